using Inknowing.DbResilience.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// Runs the <see cref="WalReceiver"/> for the life of the host, reconnecting after a failure (the slot keeps the WAL meanwhile).
/// </summary>
public sealed class WalReceiverService : BackgroundService
{
    private readonly WalReceiver _receiver;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="WalReceiverService"/> class.</summary>
    /// <param name="receiver">The receiver.</param>
    /// <param name="timeProvider">The clock for the reconnect delay.</param>
    /// <param name="logger">The logger; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public WalReceiverService(WalReceiver receiver, [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider timeProvider, [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<WalReceiverService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _receiver = receiver;
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Gets the WAL location up to which everything received is safely in storage.</summary>
    public NpgsqlTypes.NpgsqlLogSequenceNumber StoredLsn => _receiver.StoredLsn;

    /// <summary>Streams until the host stops, reconnecting after failures with a delay of up to 30 seconds.</summary>
    /// <param name="stoppingToken">Signals the host's shutdown.</param>
    /// <returns>A task that completes at shutdown.</returns>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _receiver.RunAsync(stoppingToken).ConfigureAwait(false);
                delay = TimeSpan.FromSeconds(1);
            }
            catch (Exception ex) when (ex is NpgsqlException or DbResilienceException or IOException && !stoppingToken.IsCancellationRequested)
            {
                Log.ReceiverRestarting(_logger, delay, ex.Message);
                try
                {
                    await Task.Delay(delay, _timeProvider, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
            }
        }
    }
}
