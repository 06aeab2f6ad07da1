namespace Inknowing.DbResilience.Backups;

/// <summary>
/// Joins a producer that writes (a tool's output, a compressor) to a consumer that reads (an <see cref="IBackupFileSink"/>)
/// through a bounded in-memory pipe, so a backup target can hand bytes to storage as they are made, in bounded memory.
/// </summary>
public static class StreamPump
{
    /// <summary>
    /// Runs the producer and the consumer at the same time. A failing producer makes the consumer's next read throw (so
    /// nothing incomplete is stored as complete); a consumer that stops reading makes the producer's next write throw (so a
    /// child process is never left blocked on a full pipe).
    /// </summary>
    /// <typeparam name="T">What the consumer returns.</typeparam>
    /// <param name="consume">Reads the pipe to its end.</param>
    /// <param name="produce">Writes into the pipe; the pipe is completed when it returns.</param>
    /// <param name="cancellationToken">Cancels both sides.</param>
    /// <returns>What the consumer returned.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static Task<T> PumpAsync<T>(Func<Stream, Task<T>> consume, Func<Stream, Task> produce, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(consume);
        ArgumentNullException.ThrowIfNull(produce);
        return StreamPipe.PumpAsync(consume, produce, cancellationToken);
    }
}
