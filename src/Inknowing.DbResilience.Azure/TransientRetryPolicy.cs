using Azure.Core;
using Azure.Core.Pipeline;

namespace Inknowing.DbResilience.Azure;

/// <summary>
/// The SDK's exponential retry policy (with jitter), widened to every transient failure: the SDK's default retries only
/// <see cref="IOException"/> and request failures without a status, so a connection reset surfacing as a bare
/// <see cref="System.Net.Sockets.SocketException"/> or <see cref="HttpRequestException"/> would fail the write at once.
/// </summary>
internal sealed class TransientRetryPolicy : RetryPolicy
{
    private readonly int _maxRetries;

    public TransientRetryPolicy(int maxRetries, TimeSpan delay, TimeSpan maxDelay)
        : base(maxRetries, DelayStrategy.CreateExponentialDelayStrategy(delay, maxDelay))
    {
        _maxRetries = maxRetries;
    }

    protected override bool ShouldRetry(HttpMessage message, Exception? exception)
        => base.ShouldRetry(message, exception) || IsTransientFailure(message, exception);

    protected override async ValueTask<bool> ShouldRetryAsync(HttpMessage message, Exception? exception)
        => await base.ShouldRetryAsync(message, exception).ConfigureAwait(false) || IsTransientFailure(message, exception);

    // The base class checks the retry count inside ShouldRetry, so the widened condition checks it again: without this, a
    // server that stays down would be retried for ever.
    private bool IsTransientFailure(HttpMessage message, Exception? exception)
        => exception is not null && message.ProcessingContext.RetryNumber < _maxRetries
            && !message.CancellationToken.IsCancellationRequested && AzureBlobStorageProvider.IsTransient(exception);
}
