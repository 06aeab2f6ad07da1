using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.Azure;

/// <summary>Logs each retry of the SDK's retry policy (it runs once per try, after the retry policy), without the query string (which may carry a SAS).</summary>
internal sealed class RetryLoggingPolicy(ILogger logger, string storage) : HttpPipelineSynchronousPolicy
{
    private int _retries;

    /// <summary>Gets how many retries were sent, for tests.</summary>
    public int Retries => Volatile.Read(ref _retries);

    public override void OnSendingRequest(HttpMessage message)
    {
        var attempt = message.ProcessingContext.RetryNumber;
        if (attempt > 0)
        {
            Interlocked.Increment(ref _retries);
            Log.Retrying(logger, message.Request.Method.ToString(), message.Request.Uri.Path, storage, attempt + 1);
        }
    }
}
