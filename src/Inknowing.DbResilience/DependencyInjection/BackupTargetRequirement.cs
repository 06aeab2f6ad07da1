using Inknowing.DbResilience.Backups;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>Checks at start-up that backups have a database to dump: an <see cref="IBackupTarget"/> is registered.</summary>
internal sealed class BackupTargetRequirement(IServiceProviderIsService services) : IValidateOptions<BackupOptions>
{
    public ValidateOptionsResult Validate(string? name, BackupOptions options)
        => services.IsService(typeof(IBackupTarget))
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Backups have no database to dump: call UsePostgreSql(connectionString), or UseBackupTarget<T>() for a custom target.");
}
