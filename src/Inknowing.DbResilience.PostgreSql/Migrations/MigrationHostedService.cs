using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.PostgreSql.Migrations;

/// <summary>Applies the migrations when the host starts, when <see cref="MigrationOptions.MigrateAtStartup"/> is set; a failure stops the start-up.</summary>
internal sealed class MigrationHostedService : IHostedService
{
    private readonly IMigrationRunner _runner;
    private readonly IOptions<MigrationOptions> _options;
    private readonly ILogger _logger;

    public MigrationHostedService(IMigrationRunner runner, IOptions<MigrationOptions> options, [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<MigrationHostedService> logger)
    {
        _runner = runner;
        _options = options;
        _logger = logger;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Value.MigrateAtStartup)
        {
            return;
        }

        Log.MigratingAtStartup(_logger);
        await _runner.MigrateAsync(null, cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
