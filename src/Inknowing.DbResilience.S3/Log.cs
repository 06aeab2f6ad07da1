using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.S3;

/// <summary>The S3 provider's log messages (event ids 4100-4199). Never logs credentials.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Warning, Message = "S3 request {Operation} for {Key} in {Storage} failed transiently; attempt {Attempt} again in {Delay}")]
    public static partial void Retrying(ILogger logger, string operation, string storage, string key, int attempt, TimeSpan delay, Exception? exception);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Could not abort the multipart upload {UploadId} of {Key} in {Storage}; a bucket lifecycle rule (AbortIncompleteMultipartUpload) removes such parts")]
    public static partial void AbortFailed(ILogger logger, string storage, string key, string uploadId, Exception exception);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "Uploaded {Key} to {Storage}: {Size} bytes in {Parts} part(s)")]
    public static partial void Uploaded(ILogger logger, string storage, string key, long size, int parts);
}
