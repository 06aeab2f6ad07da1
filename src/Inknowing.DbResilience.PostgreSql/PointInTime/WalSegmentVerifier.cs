using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using NpgsqlTypes;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// Checks a WAL segment by its own structure, as PostgreSQL's WAL reader does: the header of every 8 KiB page its records use (magic, the LSN the
/// page claims to hold, its timeline; the first page's system identifier, segment and block sizes) and the CRC-32C and back
/// link of every record that starts and ends inside the segment.
/// </summary>
/// <remarks>
/// This is the second, independent home of a segment's integrity beside the SHA-256 its storage records: it needs no record
/// kept anywhere, so it still holds when the checksum beside the segment was deleted, damaged or rewritten to match changed
/// bytes. A changed byte inside a record fails its CRC; bytes from another position or segment fail the page addresses; a cut
/// or extended segment fails the size. Limits: the records that straddle the segment's start or end are checked for their
/// headers and page links only (their other part is in the neighbouring segment), and bytes after a WAL switch record (zeros)
/// carry no check; the storage's SHA-256 covers both.
/// </remarks>
internal static class WalSegmentVerifier
{
    /// <summary>The WAL page size (<c>XLOG_BLCKSZ</c>), the only one supported.</summary>
    public const int PageSize = 8192;

    private const int ShortHeaderSize = 24;
    private const int LongHeaderSize = 40;
    private const int RecordHeaderSize = 24;
    private const int RecordCrcOffset = 20;
    private const ushort FirstIsContinuation = 0x0001;
    private const ushort LongHeader = 0x0002;
    private const ushort FirstIsOverwriteContinuation = 0x0008;
    private const ushort KnownFlags = 0x000F;
    private const byte XlogSwitch = 0x40;
    private const uint MaxRecordSize = 1020 * 1024 * 1024;

    private enum Gathered
    {
        Whole,
        RunsPastEnd,
        Abandoned,
    }

    /// <summary>Checks one segment.</summary>
    /// <param name="data">The segment's bytes (a <c>.partial</c> may be shorter than 16 MiB).</param>
    /// <param name="segment">The segment the bytes are stored as.</param>
    /// <param name="partial">
    /// Whether this is a <c>.partial</c> segment: its end is unknown (a receiver stored what it had, or a promoted server kept
    /// the old timeline's last segment as it was), so the check stops quietly at the first page or record that is not valid.
    /// </param>
    /// <returns>What was found.</returns>
    public static WalSegmentCheck Check(ReadOnlySpan<byte> data, WalSegmentName segment, bool partial)
    {
        var start = (ulong)segment.StartLsn;
        if (!partial && data.Length != WalSegmentName.SegmentSize)
        {
            return Fail(string.Create(CultureInfo.InvariantCulture, $"it is {data.Length} bytes; a WAL segment is exactly {WalSegmentName.SegmentSize} (cut or extended)"));
        }

        if (data.Length < LongHeaderSize)
        {
            return Fail(string.Create(CultureInfo.InvariantCulture, $"it is {data.Length} bytes, too short for a WAL page header"));
        }

        var magic = U16(data, 0);
        if ((magic & 0xFF00) != 0xD100)
        {
            return Fail(string.Create(CultureInfo.InvariantCulture, $"it does not start with a WAL page header (magic 0x{magic:X4})"));
        }

        if ((U16(data, 2) & LongHeader) == 0 || U32(data, 32) != WalSegmentName.SegmentSize || U32(data, 36) != PageSize)
        {
            return Fail(string.Create(CultureInfo.InvariantCulture,
                $"its first page does not carry the long header of a 16 MiB segment of 8 KiB pages (flags 0x{U16(data, 2):X4}, segment size {U32(data, 32)}, page size {U32(data, 36)})"));
        }

        var pages = new PageChecker(start, magic, segment.Timeline);
        return pages.Check(data, 0) is { } first ? Fail(first) : WalkRecords(data, start, partial, ref pages);
    }

    /// <summary>
    /// Checks the header of each page as the record walk enters it: pages after a WAL switch record are never entered (PostgreSQL
    /// leaves them as they were: zeros, or old bytes of a recycled file).
    /// </summary>
    private struct PageChecker(ulong start, ushort magic, uint timeline)
    {
        private uint _lastTimeline;

        public string? Check(ReadOnlySpan<byte> data, long offset) => CheckPage(data, (int)offset, start, magic, timeline, ref _lastTimeline);
    }

    private static string? CheckPage(ReadOnlySpan<byte> data, int offset, ulong start, ushort magic, uint timeline, ref uint lastTimeline)
    {
        var expected = new NpgsqlLogSequenceNumber(start + (ulong)offset);
        var pageMagic = U16(data, offset);
        var flags = U16(data, offset + 2);
        var pageTimeline = U32(data, offset + 4);
        var address = U64(data, offset + 8);
        if (pageMagic != magic)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the page at LSN {expected} (offset {offset}) has magic 0x{pageMagic:X4}, not 0x{magic:X4} like the first page");
        }

        if (address != (ulong)expected)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"the page at offset {offset} claims to hold LSN {new NpgsqlLogSequenceNumber(address)}, not {expected}: bytes from another position or segment");
        }

        if ((flags & ~KnownFlags) != 0 || (offset > 0 && (flags & LongHeader) != 0))
        {
            return string.Create(CultureInfo.InvariantCulture, $"the page at LSN {expected} has invalid flags 0x{flags:X4}");
        }

        if (pageTimeline == 0 || pageTimeline > timeline || pageTimeline < lastTimeline)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"the page at LSN {expected} belongs to timeline {pageTimeline}, which cannot appear in a segment of timeline {timeline} after timeline {lastTimeline}");
        }

        lastTimeline = pageTimeline;
        return null;
    }

    private static WalSegmentCheck WalkRecords(ReadOnlySpan<byte> data, ulong start, bool partial, ref PageChecker pages)
    {
        long position = LongHeaderSize;
        if ((U16(data, 2) & FirstIsContinuation) != 0)
        {
            // The segment starts with the rest of a record begun in the previous segment: skip it, page by page, as the reader does.
            var remaining = (long)U32(data, 16);
            while (true)
            {
                var space = PageSize - (position % PageSize);
                if (Align(remaining) < space)
                {
                    position += Align(remaining);
                    break;
                }

                position += space;
                if (position + ShortHeaderSize > data.Length)
                {
                    return new WalSegmentCheck(null, 0, null, null);
                }

                if (pages.Check(data, position) is { } pageProblem)
                {
                    return partial ? new WalSegmentCheck(null, 0, null, null) : Fail(pageProblem);
                }

                if ((U16(data, (int)position + 2) & FirstIsContinuation) == 0)
                {
                    return partial ? new WalSegmentCheck(null, 0, null, null) : Fail(
                        string.Create(CultureInfo.InvariantCulture, $"the page at LSN {Lsn(start, position)} should continue the record begun in the previous segment but does not say so"));
                }

                remaining = U32(data, (int)position + 16);
                position += ShortHeaderSize;
            }
        }

        var records = 0;
        NpgsqlLogSequenceNumber? lastStart = null;
        NpgsqlLogSequenceNumber? lastEnd = null;
        ulong? previous = null;
        var buffer = ArrayPool<byte>.Shared.Rent(PageSize);
        try
        {
            while (true)
            {
                if (position % PageSize == 0)
                {
                    if (position + ShortHeaderSize > data.Length)
                    {
                        break;
                    }

                    if (pages.Check(data, position) is { } pageProblem)
                    {
                        return partial ? Done() : Fail(pageProblem);
                    }

                    if ((U16(data, (int)position + 2) & FirstIsContinuation) != 0)
                    {
                        return partial ? Done() : Fail(string.Create(CultureInfo.InvariantCulture,
                            $"the page at LSN {Lsn(start, position)} says it continues a record, but the record before it ended on the previous page"));
                    }

                    position += ShortHeaderSize;
                }

                if (position + 4 > data.Length)
                {
                    break;
                }

                var recordStart = Lsn(start, position);
                var length = U32(data, (int)position);
                if (length == 0)
                {
                    // Zeros where a record should be: the end of the WAL written so far. A complete segment ends with a record that
                    // runs to (or past) its end, or with a switch record; never like this.
                    return partial ? Done() : Fail(string.Create(CultureInfo.InvariantCulture,
                        $"there is no record at LSN {recordStart} (zeros) although the segment is complete and no switch record came before: the segment was zeroed or cut"));
                }

                if (length < RecordHeaderSize || length > MaxRecordSize)
                {
                    return partial ? Done() : Fail(string.Create(CultureInfo.InvariantCulture, $"the record at LSN {recordStart} claims an impossible length of {length} bytes"));
                }

                if (buffer.Length < length)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent((int)length);
                }

                var (gathered, end, problem) = Gather(data, start, position, (int)length, buffer, ref pages);
                if (problem is not null)
                {
                    return partial ? Done() : Fail(problem);
                }

                if (gathered == Gathered.RunsPastEnd)
                {
                    break; // continues in the next segment (or past what a .partial holds)
                }

                if (gathered == Gathered.Abandoned)
                {
                    // PostgreSQL 15+ abandoned this record's missing part after a crash and wrote an overwrite record at the next page.
                    position = end;
                    previous = null;
                    continue;
                }

                var record = buffer.AsSpan(0, (int)length);
                var crc = Crc32C(Crc32C(0xFFFFFFFF, record[RecordHeaderSize..]), record[..RecordCrcOffset]) ^ 0xFFFFFFFF;
                var stored = BinaryPrimitives.ReadUInt32LittleEndian(record[RecordCrcOffset..]);
                if (crc != stored)
                {
                    return partial ? Done() : Fail(string.Create(CultureInfo.InvariantCulture,
                        $"the record at LSN {recordStart} ({length} bytes) fails its CRC-32C check (0x{crc:X8}, recorded 0x{stored:X8}): its bytes were changed"));
                }

                var back = BinaryPrimitives.ReadUInt64LittleEndian(record[8..]);
                if (previous is { } expectedBack && back != expectedBack)
                {
                    return partial ? Done() : Fail(string.Create(CultureInfo.InvariantCulture,
                        $"the record at LSN {recordStart} links back to {new NpgsqlLogSequenceNumber(back)}, not to the record before it at {new NpgsqlLogSequenceNumber(expectedBack)}: records from elsewhere"));
                }

                records++;
                previous = (ulong)recordStart;
                lastStart = recordStart;
                if (record[17] == 0 && (record[16] & 0xF0) == XlogSwitch)
                {
                    // A WAL switch: the rest of the segment is empty pages, and replay counts the record as ending at the segment's end.
                    lastEnd = new NpgsqlLogSequenceNumber(start + (ulong)WalSegmentName.SegmentSize);
                    break;
                }

                lastEnd = Lsn(start, end);
                position = Align(end);
                if (position >= data.Length)
                {
                    break;
                }
            }

            return Done();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        WalSegmentCheck Done() => new(null, records, lastStart, lastEnd);
    }

    /// <summary>Copies one record's bytes out of the pages it spans, checking each page it continues on says so.</summary>
    private static (Gathered Result, long End, string? Problem) Gather(ReadOnlySpan<byte> data, ulong start, long position, int length, byte[] buffer, ref PageChecker pages)
    {
        var copied = 0;
        var at = position;
        while (copied < length)
        {
            if (at % PageSize == 0)
            {
                if (at + ShortHeaderSize > data.Length)
                {
                    return (Gathered.RunsPastEnd, at, null);
                }

                if (pages.Check(data, at) is { } pageProblem)
                {
                    return (Gathered.Whole, at, pageProblem);
                }

                var flags = U16(data, (int)at + 2);
                if ((flags & FirstIsOverwriteContinuation) != 0)
                {
                    return (Gathered.Abandoned, at + ShortHeaderSize, null);
                }

                var rest = U32(data, (int)at + 16);
                if ((flags & FirstIsContinuation) == 0 || rest != length - copied)
                {
                    return (Gathered.Whole, at, string.Create(CultureInfo.InvariantCulture,
                        $"the record at LSN {Lsn(start, position)} ({length} bytes) should continue on the page at LSN {Lsn(start, at)}, which holds something else (flags 0x{flags:X4}, {rest} bytes to come, expected {length - copied})"));
                }

                at += ShortHeaderSize;
            }

            var count = (int)Math.Min(Math.Min(length - copied, PageSize - (at % PageSize)), data.Length - at);
            if (count <= 0)
            {
                return (Gathered.RunsPastEnd, at, null);
            }

            data.Slice((int)at, count).CopyTo(buffer.AsSpan(copied));
            copied += count;
            at += count;
        }

        return (Gathered.Whole, at, null);
    }

    private static uint Crc32C(uint crc, ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
            bytes = bytes[8..];
        }

        foreach (var b in bytes)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }

    private static WalSegmentCheck Fail(string problem) => new(problem, 0, null, null);

    private static long Align(long value) => (value + 7) & ~7L;

    private static NpgsqlLogSequenceNumber Lsn(ulong start, long offset) => new(start + (ulong)offset);

    private static ushort U16(ReadOnlySpan<byte> data, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(data[offset..]);

    private static uint U32(ReadOnlySpan<byte> data, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);

    private static ulong U64(ReadOnlySpan<byte> data, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(data[offset..]);
}
