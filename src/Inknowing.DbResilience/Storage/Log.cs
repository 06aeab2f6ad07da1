using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.Storage;

/// <summary>The storage area's log messages (event ids 4000-4099).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Debug, Message = "Stored {Key} in {Storage}: {Size} bytes, SHA-256 {Sha256}")]
    public static partial void CopyStored(ILogger logger, string storage, string key, long size, string sha256);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Could not store {Key} in {Storage}; the other copies go on")]
    public static partial void CopyFailed(ILogger logger, string storage, string key, Exception exception);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Copied {Key} from {Source} to {Destination}: {Size} bytes, SHA-256 verified")]
    public static partial void ObjectCopied(ILogger logger, string source, string destination, string key, long size);
}
