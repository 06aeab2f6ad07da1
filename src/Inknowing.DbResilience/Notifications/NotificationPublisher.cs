using Inknowing.DbResilience.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Inknowing.DbResilience.Notifications;

/// <summary>
/// Sends a notification to every notifier whose filter accepts it, in parallel, each attempt under its timeout and retried
/// with Polly; redacts secrets first; never throws and never takes longer than the notifiers' retry budget.
/// </summary>
internal sealed class NotificationPublisher
{
    private readonly INotifier[] _notifiers;
    private readonly NotificationOptions _options;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger _logger;

    public NotificationPublisher(
        [FromKeyedServices(DbResilienceBuilder.ServiceKey)] IEnumerable<INotifier> notifiers,
        IOptions<NotificationOptions> options,
        [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider timeProvider,
        [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<NotificationPublisher> logger)
    {
        _notifiers = notifiers.ToArray();
        _options = options.Value;
        _logger = logger;
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (_options.MaxRetries > 0)
        {
            pipeline.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = _options.MaxRetries,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
                BackoffType = DelayBackoffType.Exponential,
                Delay = _options.RetryDelay,
                UseJitter = false,
            });
        }

        _pipeline = pipeline.AddTimeout(_options.AttemptTimeout).Build();
    }

    /// <summary>Gets a value indicating whether any notifier is registered.</summary>
    public bool HasNotifiers => _notifiers.Length > 0;

    /// <summary>Sends the notification; failures are logged, never thrown.</summary>
    public async Task PublishAsync(DbResilienceNotification notification, CancellationToken cancellationToken = default)
    {
        if (_notifiers.Length == 0)
        {
            return;
        }

        var clean = Prepare(notification);
        var sends = _notifiers.Where(n => Accepts(n, clean)).Select(n => SendAsync(n, clean, cancellationToken));
        await Task.WhenAll(sends).ConfigureAwait(false);
    }

    /// <summary>Redacts the free text and fills in the source and database the options name.</summary>
    internal DbResilienceNotification Prepare(DbResilienceNotification notification) => notification with
    {
        Summary = SecretRedactor.Redact(notification.Summary) ?? string.Empty,
        Error = SecretRedactor.Redact(notification.Error),
        Database = notification.Database ?? _options.Database,
        Source = notification.Source ?? _options.Source,
    };

    private bool Accepts(INotifier notifier, DbResilienceNotification notification)
    {
        try
        {
            return notifier.Accepts(notification);
        }
        catch (Exception ex)
        {
            Log.NotifierFailed(_logger, notifier.Name, notification.Operation, ex);
            return false;
        }
    }

    private async Task SendAsync(INotifier notifier, DbResilienceNotification notification, CancellationToken cancellationToken)
    {
        try
        {
            await _pipeline.ExecuteAsync(
                static async (state, token) => await state.notifier.SendAsync(state.notification, token).ConfigureAwait(false),
                (notifier, notification),
                cancellationToken).ConfigureAwait(false);
            Log.NotificationSent(_logger, notifier.Name, notification.Operation, notification.Severity);
        }
        catch (Exception ex)
        {
            // A notifier is never allowed to fail the operation it reports on.
            Log.NotifierFailed(_logger, notifier.Name, notification.Operation, ex);
        }
    }
}
