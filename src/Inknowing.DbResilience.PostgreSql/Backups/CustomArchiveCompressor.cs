using System.IO.Compression;
using System.Text;

namespace Inknowing.DbResilience.PostgreSql.Backups;

/// <summary>
/// Turns the uncompressed custom-format archive that <c>pg_dump --format=custom --compress=0</c> streams into a zlib-compressed
/// custom-format archive, as pg_dump itself would have written it, and counts the rows of each table on the way.
/// </summary>
/// <remarks>
/// <para>
/// The archive (pg_backup_archiver.c, pg_backup_custom.c) is a header, a table of contents, then data blocks: a block type
/// byte (1 table data, 3 large objects), the entry's dump id, and chunks (an int length, then that many bytes) ended by a
/// zero length; large objects repeat (oid, chunks, zero) and end with a zero oid. Ints are a sign byte and <c>intSize</c>
/// little-endian bytes. Uncompressed, a table's chunks are its <c>COPY</c> text, one row per newline (newlines inside values
/// are escaped), so counting newlines gives the exact row count in the dump's snapshot with no second scan of the table.
/// </para>
/// <para>
/// The header's compression field and each block's chunks are rewritten (one zlib stream per table and per large object,
/// as pg_dump itself does with gzip); the table of contents is copied byte for byte. pg_restore reads the result like any
/// pg_dump archive. Archive versions 1.12 to 1.16 (pg_dump 11 to 18) are understood; anything else is refused. What changed
/// over them: 1.14 (pg_dump 12) added each entry's table access method; 1.15 (pg_dump 16) replaced the header's compression
/// level (an int) by the compression algorithm (one byte: 0 none, 1 gzip, 2 lz4, 3 zstd; gzip blocks are the same zlib
/// streams as before); 1.16 (pg_dump 17, also written by 18) added each entry's relkind (an int after the access method)
/// and large objects split over several BLOBS entries, whose data blocks keep their format.
/// </para>
/// <para>
/// Why one file of about 600 lines: it is one streaming state machine over one binary format (header, table of contents,
/// blocks), whose reading and rewriting share the archive's version-dependent fields; split, the version checks would be
/// repeated in each part.
/// </para>
/// </remarks>
internal sealed class CustomArchiveCompressor : IDisposable
{
    private const int BufferSize = 256 * 1024;
    private const int StageSize = 128 * 1024;
    private const int MaxHeadBytes = 512 * 1024 * 1024;
    private const int VersionMin = (1 << 16) | (12 << 8);
    private const int Version1_14 = (1 << 16) | (14 << 8);
    private const int Version1_15 = (1 << 16) | (15 << 8);
    private const int Version1_16 = (1 << 16) | (16 << 8);
    private const int VersionMax = (1 << 16) | (16 << 8) | 0xFF;

    /// <summary>The header's compression algorithm byte for gzip (zlib streams), from archive version 1.15 on.</summary>
    private const byte AlgorithmGzip = 1;

    // zlib header (level 1), an empty final fixed block, and the Adler-32 of nothing.
    private static readonly byte[] EmptyZlibStream = [0x78, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01];

    private readonly int _level;
    private readonly MemoryStream _out = new();
    private readonly ChunkWriter _chunks;
    private readonly Dictionary<int, Entry> _entries = [];
    private readonly byte[] _int = new byte[9];
    private readonly byte[] _stage = new byte[StageSize];
    private int _staged;
    private readonly byte[] _tail = new byte[6];
    private long _blockBytes;
    private MemoryStream? _head = new();
    private int _intSize;
    private int _version;
    private int _intFill;
    private State _state;
    private bool _largeObjects;
    private Entry? _current;
    private ZLibStream? _deflate;
    private long _remaining;

    /// <summary>Initializes a new instance of the <see cref="CustomArchiveCompressor"/> class.</summary>
    /// <param name="level">The zlib level, 1 (fastest) to 9.</param>
    public CustomArchiveCompressor(int level)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(level, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, 9);
        _level = level;
        _chunks = new ChunkWriter(this);
    }

    private enum State
    {
        BlockType,
        DumpId,
        ChunkLength,
        ChunkData,
        LargeObjectOid,
    }

    /// <summary>The newest archive version understood, as pg_dump writes it in its header (major, minor, revision).</summary>
    internal const string NewestArchiveVersion = "1.16";

    /// <summary>Gets the archive version, such as 1.14.0, once the header was read.</summary>
    public string? ArchiveVersion { get; private set; }

    /// <summary>
    /// Gets the row count of every table whose data the archive holds as <c>COPY</c> text, by schema and name (complete
    /// after <see cref="RunAsync"/> returned).
    /// </summary>
    public IReadOnlyDictionary<(string Schema, string Name), long> RowCounts
        => _entries.Values.Where(e => e.CountsRows).ToDictionary(e => (e.Schema, e.Name), e => e.Rows);

    /// <summary>Reads the uncompressed archive from <paramref name="source"/> to its end and writes the compressed one to <paramref name="destination"/>.</summary>
    /// <param name="source">pg_dump's standard output.</param>
    /// <param name="destination">Where the compressed archive goes.</param>
    /// <param name="cancellationToken">Cancels the copy (checked between reads: kill the tool to end a read that waits).</param>
    /// <returns>A task that completes when the whole archive was written.</returns>
    /// <exception cref="InvalidDataException">The input is not an uncompressed custom-format archive of a known version, or it is truncated.</exception>
    /// <remarks>
    /// The copy runs on a thread of its own with blocking reads and writes: on Linux, asynchronous reads of a pipe cost about
    /// 4 ms of CPU per MiB (epoll and a thread-pool hop for each read of at most the pipe's 64 KiB), blocking ones a sixth of
    /// that, and pg_dump streams hundreds of MiB through this pipe uncompressed.
    /// </remarks>
    public Task RunAsync(Stream source, Stream destination, CancellationToken cancellationToken)
        => Task.Factory.StartNew(() => Run(source, destination, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        var buffer = new byte[BufferSize];
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Process(buffer.AsSpan(0, read));
            if (_out.Length > 0)
            {
                destination.Write(_out.GetBuffer(), 0, (int)_out.Length);
                _out.SetLength(0);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (_head is not null || _state != State.BlockType || _intFill != 0)
        {
            throw new InvalidDataException("pg_dump's archive ended in the middle of " + (_head is not null ? "its header or table of contents." : "a data block."));
        }
    }

    /// <summary>Processes the next bytes of the archive; complete output accumulates in the output buffer.</summary>
    /// <param name="input">The next bytes.</param>
    internal void Process(ReadOnlySpan<byte> input)
    {
        if (_head is not null)
        {
            if (_head.Length + input.Length > MaxHeadBytes)
            {
                throw new InvalidDataException("pg_dump's table of contents is larger than 512 MiB: not a custom-format archive this reader understands.");
            }

            _head.Write(input);
            var head = _head.GetBuffer().AsSpan(0, (int)_head.Length);
            var consumed = TryReadHead(head);
            if (consumed < 0)
            {
                return;
            }

            _head = null;
            WriteHead(head[..consumed]);
            input = head[consumed..].ToArray();
        }

        while (!input.IsEmpty)
        {
            switch (_state)
            {
                case State.BlockType:
                    _largeObjects = input[0] switch
                    {
                        1 => false,
                        3 => true,
                        _ => throw new InvalidDataException($"pg_dump's archive has an unknown data block type {input[0]}."),
                    };
                    _out.WriteByte(input[0]);
                    input = input[1..];
                    _state = State.DumpId;
                    break;
                case State.ChunkData:
                    // pg_dump --compress=0 writes one chunk per row: gather them so that zlib and the count see large spans.
                    var take = (int)Math.Min(Math.Min(_remaining, input.Length), StageSize - _staged);
                    input[..take].CopyTo(_stage.AsSpan(_staged));
                    _staged += take;
                    if (_staged == StageSize)
                    {
                        FlushStage();
                    }

                    _remaining -= take;
                    input = input[take..];
                    if (_remaining == 0)
                    {
                        _state = State.ChunkLength;
                    }

                    break;
                default:
                    var need = 1 + _intSize - _intFill;
                    var part = Math.Min(need, input.Length);
                    input[..part].CopyTo(_int.AsSpan(_intFill));
                    _intFill += part;
                    input = input[part..];
                    if (_intFill == 1 + _intSize)
                    {
                        _intFill = 0;
                        OnInt(ReadInt(_int, _intSize));
                    }

                    break;
            }
        }
    }

    /// <summary>Gets the bytes written so far and clears them (for tests).</summary>
    /// <returns>The compressed archive's next bytes.</returns>
    internal byte[] TakeOutput()
    {
        var bytes = _out.ToArray();
        _out.SetLength(0);
        return bytes;
    }

    private static long ReadInt(ReadOnlySpan<byte> bytes, int intSize)
    {
        long value = 0;
        for (var i = intSize - 1; i >= 0; i--)
        {
            value = (value << 8) | bytes[1 + i];
        }

        return bytes[0] == 0 ? value : -value;
    }

    private void OnInt(long value)
    {
        switch (_state)
        {
            case State.DumpId:
                _out.Write(_int, 0, 1 + _intSize);
                _current = _entries.GetValueOrDefault((int)value);
                if (_largeObjects)
                {
                    _state = State.LargeObjectOid;
                }
                else
                {
                    StartStream();
                    _state = State.ChunkLength;
                }

                break;
            case State.LargeObjectOid:
                _out.Write(_int, 0, 1 + _intSize);
                if (value == 0)
                {
                    _state = State.BlockType;
                }
                else
                {
                    StartStream();
                    _state = State.ChunkLength;
                }

                break;
            case State.ChunkLength:
                if (value < 0)
                {
                    throw new InvalidDataException($"pg_dump's archive has a data chunk of negative length {value}.");
                }

                if (value > 0)
                {
                    _remaining = value;
                    _state = State.ChunkData;
                    break;
                }

                FlushStage();
                EndBlock();
                WriteInt(0);
                _state = _largeObjects ? State.LargeObjectOid : State.BlockType;
                break;
        }
    }

    private void FlushStage()
    {
        var data = _stage.AsSpan(0, _staged);
        if (data.IsEmpty)
        {
            return;
        }

        if (_current is { CountsRows: true } entry)
        {
            entry.Rows += data.Count((byte)'\n');
        }

        // Keep the block's last bytes to recognise the end-of-data marker.
        var keep = Math.Min(data.Length, _tail.Length);
        _tail.AsSpan(keep).CopyTo(_tail);
        data[^keep..].CopyTo(_tail.AsSpan(_tail.Length - keep));
        _blockBytes += data.Length;
        _deflate!.Write(data);
        _staged = 0;
    }

    private void EndBlock()
    {
        // pg_dump (up to 15 at least) ends a table's COPY data with the marker line "\." and two empty lines: not rows. A
        // line that is only "\." cannot be a row, as COPY escapes a backslash in a value as "\\".
        if (_current is { CountsRows: true } entry && _blockBytes >= 5 && _tail.AsSpan(1).SequenceEqual("\\.\n\n\n"u8)
            && (_blockBytes == 5 || _tail[0] == (byte)'\n'))
        {
            entry.Rows -= 3;
        }

        if (_blockBytes == 0)
        {
            // .NET writes nothing for a zlib stream that was given nothing; pg_restore needs a complete (empty) zlib stream.
            _deflate!.Dispose();
            WriteInt(EmptyZlibStream.Length);
            _out.Write(EmptyZlibStream);
        }
        else
        {
            _deflate!.Dispose();
        }

        _deflate = null;
        _blockBytes = 0;
        Array.Clear(_tail);
    }

    /// <summary>Releases the zlib state of a block left unfinished (after a failure).</summary>
    public void Dispose()
    {
        _deflate?.Dispose();
        _deflate = null;
        _head?.Dispose();
        _out.Dispose();
        _chunks.Dispose();
    }

#if NET9_0_OR_GREATER
    private void StartStream() => _deflate = new ZLibStream(_chunks, new ZLibCompressionOptions { CompressionLevel = _level }, leaveOpen: true);
#else
    private void StartStream() => _deflate = new ZLibStream(
        _chunks,
        _level switch
        {
            <= 3 => CompressionLevel.Fastest,
            < 9 => CompressionLevel.Optimal,
            _ => CompressionLevel.SmallestSize,
        },
        leaveOpen: true);
#endif

    private void WriteInt(long value)
    {
        Span<byte> bytes = stackalloc byte[1 + _intSize];
        bytes[0] = value < 0 ? (byte)1 : (byte)0;
        var magnitude = Math.Abs(value);
        for (var i = 0; i < _intSize; i++)
        {
            bytes[1 + i] = (byte)(magnitude >> (8 * i));
        }

        _out.Write(bytes);
    }

    /// <summary>Parses the header and the table of contents; returns the bytes they take, or -1 when more input is needed.</summary>
    private int TryReadHead(ReadOnlySpan<byte> head)
    {
        var reader = new HeadReader(head);
        if (!reader.TryTake(11, out var start))
        {
            return -1;
        }

        if (!start[..5].SequenceEqual("PGDMP"u8))
        {
            throw new InvalidDataException("pg_dump's output does not start with PGDMP: it is not a custom-format archive.");
        }

        var version = (start[5] << 16) | (start[6] << 8) | start[7];
        ArchiveVersion = $"{start[5]}.{start[6]}.{start[7]}";
        if (version is < VersionMin or > VersionMax)
        {
            throw new InvalidDataException(
                $"pg_dump wrote archive version {ArchiveVersion}; only 1.12 to {NewestArchiveVersion} (pg_dump 11 to 18) can be compressed while streaming.");
        }

        reader.IntSize = start[8];
        if (reader.IntSize is < 1 or > 8 || start[10] != 1)
        {
            throw new InvalidDataException($"pg_dump's archive has int size {start[8]} and format {start[10]}: not a custom-format archive this reader understands.");
        }

        var offSize = start[9];
        long compression;
        if (version >= Version1_15)
        {
            // One byte: the compression algorithm.
            if (!reader.TryTake(1, out var algorithm))
            {
                return -1;
            }

            compression = algorithm[0];
        }
        else if (!reader.TryInt(out compression))
        {
            return -1;
        }

        if (compression != 0)
        {
            throw new InvalidDataException(
                $"pg_dump compressed the archive itself ({(version >= Version1_15 ? "algorithm" : "level")} {compression}): run it with --compress=0.");
        }

        // Creation time (7 ints), database name, server version, pg_dump version.
        for (var i = 0; i < 7; i++)
        {
            if (!reader.TryInt(out _))
            {
                return -1;
            }
        }

        for (var i = 0; i < 3; i++)
        {
            if (!reader.TryString(out _))
            {
                return -1;
            }
        }

        if (!reader.TryInt(out var count))
        {
            return -1;
        }

        var entries = new List<Entry>();
        for (var i = 0; i < count; i++)
        {
            if (!reader.TryInt(out var dumpId) || !reader.TryInt(out _)
                || !reader.TryString(out _) || !reader.TryString(out _)
                || !reader.TryString(out var tag) || !reader.TryString(out var desc)
                || !reader.TryInt(out _)
                || !reader.TryString(out _) || !reader.TryString(out _) || !reader.TryString(out var copyStmt)
                || !reader.TryString(out var schema) || !reader.TryString(out _)
                || (version >= Version1_14 && !reader.TryString(out _))
                || (version >= Version1_16 && !reader.TryInt(out _))
                || !reader.TryString(out _) || !reader.TryString(out _))
            {
                return -1;
            }

            // Dependencies: dump ids as strings, ended by a null string.
            while (true)
            {
                if (!reader.TryString(out var dependency, out var isNull))
                {
                    return -1;
                }

                _ = dependency;
                if (isNull)
                {
                    break;
                }
            }

            // Data position: a flag byte and offSize bytes.
            if (!reader.TryTake(1 + offSize, out _))
            {
                return -1;
            }

            entries.Add(new Entry((int)dumpId, schema ?? string.Empty, tag ?? string.Empty, desc == "TABLE DATA" && !string.IsNullOrEmpty(copyStmt)));
        }

        _intSize = reader.IntSize;
        _version = version;
        foreach (var entry in entries)
        {
            _entries[entry.DumpId] = entry;
        }

        return reader.Position;
    }

    private void WriteHead(ReadOnlySpan<byte> head)
    {
        // Everything but the compression field after the 11 fixed bytes is copied as is: from 1.15 on one byte, the
        // algorithm (gzip; pg_restore does not need the level), before it an int, the zlib level.
        _out.Write(head[..11]);
        if (_version >= Version1_15)
        {
            _out.WriteByte(AlgorithmGzip);
            _out.Write(head[12..]);
        }
        else
        {
            WriteInt(_level);
            _out.Write(head[(11 + 1 + _intSize)..]);
        }
    }

    private sealed class Entry(int dumpId, string schema, string name, bool countsRows)
    {
        public int DumpId { get; } = dumpId;

        public string Schema { get; } = schema;

        public string Name { get; } = name;

        public bool CountsRows { get; } = countsRows;

        public long Rows { get; set; }
    }

    private ref struct HeadReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;

        public int Position { get; private set; }

        public int IntSize { get; set; } = 4;

        public bool TryTake(int length, out ReadOnlySpan<byte> bytes)
        {
            if (_data.Length - Position < length)
            {
                bytes = default;
                return false;
            }

            bytes = _data.Slice(Position, length);
            Position += length;
            return true;
        }

        public bool TryInt(out long value)
        {
            if (!TryTake(1 + IntSize, out var bytes))
            {
                value = 0;
                return false;
            }

            value = ReadInt(bytes, IntSize);
            return true;
        }

        public bool TryString(out string? value) => TryString(out value, out _);

        public bool TryString(out string? value, out bool isNull)
        {
            value = null;
            isNull = false;
            if (!TryInt(out var length))
            {
                return false;
            }

            if (length < 0)
            {
                isNull = true;
                return true;
            }

            if (length > int.MaxValue || !TryTake((int)length, out var bytes))
            {
                return false;
            }

            value = Encoding.UTF8.GetString(bytes);
            return true;
        }
    }

    /// <summary>Frames what zlib writes as archive chunks (an int length, then the bytes) in the output buffer.</summary>
    private sealed class ChunkWriter(CustomArchiveCompressor owner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            // A zero length ends the block: never write an empty chunk.
            if (!buffer.IsEmpty)
            {
                owner.WriteInt(buffer.Length);
                owner._out.Write(buffer);
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
