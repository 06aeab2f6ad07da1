using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Inknowing.DbResilience.Encryption;

/// <summary>
/// A read-only stream that decrypts what <see cref="AesGcmEncryptingStream"/> wrote, chunk by chunk, and fails with
/// <see cref="BackupEncryptionException"/> as soon as the key is missing or wrong, or a chunk was altered, reordered,
/// dropped or truncated. No plaintext of a chunk is returned before that chunk is authenticated.
/// </summary>
public sealed class AesGcmDecryptingStream : Stream
{
    private readonly Stream _source;
    private readonly BackupEncryptionKey[] _keys;
    private readonly bool _leaveOpen;
    private readonly string _description;
    private AesGcm? _aes;
    private byte[] _headerHash = [];
    private byte[] _frame = [];
    private byte[] _plain = [];
    private int _chunkSize;
    private int _plainOffset;
    private int _plainLength;
    private long _index;
    private bool _final;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="AesGcmDecryptingStream"/> class.</summary>
    /// <param name="source">The encrypted bytes.</param>
    /// <param name="keys">The keys that may have been used; the one whose id is in the header is taken.</param>
    /// <param name="description">What is decrypted, for messages, for example a backup id and file name.</param>
    /// <param name="leaveOpen">Whether <paramref name="source"/> stays open when this stream is disposed.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public AesGcmDecryptingStream(Stream source, IEnumerable<BackupEncryptionKey> keys, string description = "the encrypted stream", bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(keys);
        _source = source;
        _keys = keys.ToArray();
        _description = description ?? "the encrypted stream";
        _leaveOpen = leaveOpen;
    }

    /// <summary>Gets the key id read from the header, or <see langword="null"/> before the first read.</summary>
    public string? KeyId { get; private set; }

    /// <inheritdoc />
    public override bool CanRead => !_disposed;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Reads the key id from the start of an encrypted stream without decrypting anything.</summary>
    /// <param name="header">At least the first bytes of the stream.</param>
    /// <returns>The key id, or <see langword="null"/> when the bytes do not start an encrypted stream.</returns>
    public static string? ReadKeyId(ReadOnlySpan<byte> header)
    {
        var magic = AesGcmChunkFormat.Magic;
        if (header.Length < magic.Length + 5 || !header[..magic.Length].SequenceEqual(magic))
        {
            return null;
        }

        var length = header[magic.Length + 4];
        return header.Length < magic.Length + 5 + length ? null : Encoding.ASCII.GetString(header.Slice(magic.Length + 5, length));
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        var rented = new byte[buffer.Length];
        var read = ReadAsync(rented).AsTask().GetAwaiter().GetResult();
        rented.AsSpan(0, read).CopyTo(buffer);
        return read;
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_aes is null)
        {
            await ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        }

        while (_plainOffset == _plainLength)
        {
            if (_final)
            {
                return 0;
            }

            await ReadChunkAsync(cancellationToken).ConfigureAwait(false);
        }

        var take = Math.Min(buffer.Length, _plainLength - _plainOffset);
        _plain.AsMemory(_plainOffset, take).CopyTo(buffer);
        _plainOffset += take;
        return take;
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _aes?.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
            if (!_leaveOpen)
            {
                _source.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private async Task ReadHeaderAsync(CancellationToken cancellationToken)
    {
        var magic = AesGcmChunkFormat.Magic.ToArray();
        var fixedPart = new byte[magic.Length + 5];
        if (await ReadFullyAsync(fixedPart, cancellationToken).ConfigureAwait(false) < fixedPart.Length
            || !fixedPart.AsSpan(0, magic.Length).SequenceEqual(magic))
        {
            throw new BackupEncryptionException(
                $"{_description} is not encrypted in the DbResilience format (no 'DBRAEAD1' header): it is not an encrypted backup, or its start is damaged.");
        }

        _chunkSize = BinaryPrimitives.ReadInt32BigEndian(fixedPart.AsSpan(magic.Length));
        var keyIdLength = fixedPart[magic.Length + 4];
        var rest = new byte[keyIdLength + AesGcmChunkFormat.StreamIdSize];
        if (_chunkSize < AesGcmChunkFormat.MinChunkSize || _chunkSize > AesGcmChunkFormat.MaxChunkSize
            || await ReadFullyAsync(rest, cancellationToken).ConfigureAwait(false) < rest.Length)
        {
            throw new BackupEncryptionException($"{_description} has a damaged encryption header.");
        }

        var header = new byte[fixedPart.Length + rest.Length];
        fixedPart.CopyTo(header, 0);
        rest.CopyTo(header, fixedPart.Length);
        KeyId = Encoding.ASCII.GetString(rest, 0, keyIdLength);
        var key = _keys.FirstOrDefault(k => string.Equals(k.KeyId, KeyId, StringComparison.Ordinal));
        if (key is null)
        {
            var configured = _keys.Length == 0 ? "no key is configured" : "the configured key ids are " + string.Join(", ", _keys.Select(k => k.KeyId));
            throw new BackupEncryptionException(
                $"{_description} was encrypted with the key whose id is {KeyId}, but {configured}. "
                + "Set BackupOptions.EncryptionKey (or the DBRESILIENCE_BACKUP_KEY environment variable) to that key, "
                + "or add it to BackupOptions.DecryptionKeys.");
        }

        _headerHash = SHA256.HashData(header);
        _aes = new AesGcm(key.Key, AesGcmChunkFormat.TagSize);
        _frame = new byte[AesGcmChunkFormat.FrameHeaderSize + _chunkSize + AesGcmChunkFormat.TagSize];
        _plain = new byte[_chunkSize];
    }

    private async Task ReadChunkAsync(CancellationToken cancellationToken)
    {
        var head = await ReadFullyAsync(_frame.AsMemory(0, AesGcmChunkFormat.FrameHeaderSize), cancellationToken).ConfigureAwait(false);
        if (head < AesGcmChunkFormat.FrameHeaderSize)
        {
            throw Truncated();
        }

        var flag = _frame[0];
        var length = BinaryPrimitives.ReadInt32BigEndian(_frame.AsSpan(1));
        if (flag is not (AesGcmChunkFormat.MoreFlag or AesGcmChunkFormat.FinalFlag) || length < 0 || length > _chunkSize
            || (flag == AesGcmChunkFormat.MoreFlag && length != _chunkSize))
        {
            throw new BackupEncryptionException(string.Create(CultureInfo.InvariantCulture,
                $"{_description} is damaged: chunk {_index} has an invalid frame (flag {flag}, length {length})."));
        }

        var body = length + AesGcmChunkFormat.TagSize;
        if (await ReadFullyAsync(_frame.AsMemory(AesGcmChunkFormat.FrameHeaderSize, body), cancellationToken).ConfigureAwait(false) < body)
        {
            throw Truncated();
        }

        var associated = new byte[AesGcmChunkFormat.AssociatedDataSize];
        AesGcmChunkFormat.WriteAssociatedData(associated, _headerHash, _index, flag);
        try
        {
            _aes!.Decrypt(
                _frame.AsSpan(5, AesGcmChunkFormat.NonceSize),
                _frame.AsSpan(AesGcmChunkFormat.FrameHeaderSize, length),
                _frame.AsSpan(AesGcmChunkFormat.FrameHeaderSize + length, AesGcmChunkFormat.TagSize),
                _plain.AsSpan(0, length),
                associated);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new BackupEncryptionException(string.Create(CultureInfo.InvariantCulture,
                $"{_description} failed authentication at chunk {_index}: its bytes were altered, reordered or replaced. Do not restore from this copy."), ex);
        }

        _index++;
        _plainOffset = 0;
        _plainLength = length;
        if (flag == AesGcmChunkFormat.FinalFlag)
        {
            _final = true;
            var probe = new byte[1];
            if (await _source.ReadAsync(probe, cancellationToken).ConfigureAwait(false) != 0)
            {
                throw new BackupEncryptionException($"{_description} has bytes after its final chunk: it was altered.");
            }
        }
    }

    private BackupEncryptionException Truncated()
        => new(string.Create(CultureInfo.InvariantCulture,
            $"{_description} ends inside or before chunk {_index}, without its final chunk: it is truncated."));

    private async Task<int> ReadFullyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await _source.ReadAsync(buffer[total..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}
