using System.Runtime.ExceptionServices;

namespace Inknowing.DbResilience.Storage;

/// <summary>Wraps the caller's stream to count what was read and to remember a failure of the source itself, as opposed to a storage's.</summary>
internal sealed class SourceStream(Stream inner) : ReadOnlyStream
{
    public ExceptionDispatchInfo? Failure { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        try
        {
            var read = inner.Read(buffer);
            BytesRead += read;
            return read;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Failure ??= ExceptionDispatchInfo.Capture(ex);
            throw;
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            BytesRead += read;
            return read;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Failure ??= ExceptionDispatchInfo.Capture(ex);
            throw;
        }
    }

}
