using Microsoft.Extensions.Logging;

namespace Inknowing.DbResilience.Azure;

/// <summary>The Azure Blob provider's log messages (event ids 4200-4299). Never logs credentials.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4200, Level = LogLevel.Warning, Message = "Azure Blob request {Method} {Path} to {Storage} is tried again (attempt {Attempt}) after a transient failure")]
    public static partial void Retrying(ILogger logger, string method, string path, string storage, int attempt);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Created the private container of {Storage}")]
    public static partial void ContainerCreated(ILogger logger, string storage);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Debug, Message = "Uploaded {Key} to {Storage}: {Size} bytes in {Blocks} block(s)")]
    public static partial void Uploaded(ILogger logger, string storage, string key, long size, int blocks);
}
