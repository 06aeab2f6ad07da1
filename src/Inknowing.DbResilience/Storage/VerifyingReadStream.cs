using System.Security.Cryptography;

namespace Inknowing.DbResilience.Storage;

/// <summary>Hashes an object's bytes as the caller reads them and throws at the end when they do not match the recorded SHA-256.</summary>
internal sealed class VerifyingReadStream(Stream inner, string storageName, string key, string expectedSha256) : ReadOnlyStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private bool _verified;

    public override int Read(Span<byte> buffer) => Account(buffer, inner.Read(buffer), buffer.IsEmpty);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Account(buffer.Span, read, buffer.IsEmpty);
    }

    public override async ValueTask DisposeAsync()
    {
        _hash.Dispose();
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Account(Span<byte> buffer, int read, bool emptyRequest)
    {
        if (read > 0)
        {
            _hash.AppendData(buffer[..read]);
            BytesRead += read;
        }
        else if (!emptyRequest && !_verified)
        {
            _verified = true;
            var actual = Sha256Hex.Finish(_hash);
            if (!string.Equals(actual, expectedSha256, StringComparison.Ordinal))
            {
                throw new StorageIntegrityException(storageName, key, expectedSha256, actual, BytesRead);
            }
        }

        return read;
    }
}
