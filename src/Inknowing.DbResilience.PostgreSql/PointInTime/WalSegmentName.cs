using System.Globalization;
using NpgsqlTypes;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// The name of one WAL segment file, such as <c>000000010000000000000003</c>: its timeline, log id and segment number,
/// for 16 MiB segments (PostgreSQL's default <c>wal_segment_size</c>).
/// </summary>
/// <param name="Timeline">The timeline.</param>
/// <param name="LogId">The high 32 bits of the segment's first LSN.</param>
/// <param name="Segment">The segment number within the log id (0 to 255 for 16 MiB segments).</param>
public readonly record struct WalSegmentName(uint Timeline, uint LogId, uint Segment) : IComparable<WalSegmentName>
{
    /// <summary>The size of a WAL segment in bytes: 16 MiB, PostgreSQL's default.</summary>
    public const long SegmentSize = 16L * 1024 * 1024;

    private const uint SegmentsPerLogId = (uint)(0x1_0000_0000L / SegmentSize);

    /// <summary>Gets the LSN of the segment's first byte.</summary>
    public NpgsqlLogSequenceNumber StartLsn => new(((ulong)LogId << 32) + ((ulong)Segment * (ulong)SegmentSize));

    /// <summary>Gets the LSN just after the segment's last byte (the start of the next segment).</summary>
    public NpgsqlLogSequenceNumber EndLsn => new((ulong)StartLsn + (ulong)SegmentSize);

    /// <summary>Gets the segment that contains an LSN.</summary>
    /// <param name="timeline">The timeline.</param>
    /// <param name="lsn">The LSN.</param>
    /// <returns>The segment's name.</returns>
    public static WalSegmentName FromLsn(uint timeline, NpgsqlLogSequenceNumber lsn)
    {
        var value = (ulong)lsn;
        return new WalSegmentName(timeline, (uint)(value >> 32), (uint)((value & 0xFFFF_FFFF) / (ulong)SegmentSize));
    }

    /// <summary>Parses a 24-hex-digit segment name.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The segment's name.</returns>
    /// <exception cref="FormatException"><paramref name="name"/> is not a WAL segment name; the message names it.</exception>
    public static WalSegmentName Parse(string name)
        => TryParse(name, out var segment)
            ? segment
            : throw new FormatException($"'{name}' is not a WAL segment name such as 000000010000000000000003 (24 hexadecimal digits).");

    /// <summary>Tries to parse a 24-hex-digit segment name.</summary>
    /// <param name="name">The name.</param>
    /// <param name="segment">The segment, when the name is one.</param>
    /// <returns><see langword="true"/> when <paramref name="name"/> is a WAL segment name.</returns>
    public static bool TryParse(string? name, out WalSegmentName segment)
    {
        segment = default;
        if (name is null || name.Length != 24 || !name.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        var timeline = uint.Parse(name.AsSpan(0, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var logId = uint.Parse(name.AsSpan(8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var number = uint.Parse(name.AsSpan(16, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if (timeline == 0 || number >= SegmentsPerLogId)
        {
            return false;
        }

        segment = new WalSegmentName(timeline, logId, number);
        return true;
    }

    /// <summary>Gets the segment that follows this one on the same timeline.</summary>
    /// <returns>The next segment.</returns>
    public WalSegmentName Next()
        => Segment + 1 == SegmentsPerLogId ? new WalSegmentName(Timeline, LogId + 1, 0) : this with { Segment = Segment + 1 };

    /// <summary>Compares by position in the WAL (log id, segment), then by timeline.</summary>
    /// <param name="other">The other segment.</param>
    /// <returns>A negative number, zero or a positive number.</returns>
    public int CompareTo(WalSegmentName other)
    {
        var byPosition = ((ulong)StartLsn).CompareTo((ulong)other.StartLsn);
        return byPosition != 0 ? byPosition : Timeline.CompareTo(other.Timeline);
    }

    /// <summary>Gets the 24-hex-digit name.</summary>
    /// <returns>The name, such as <c>000000010000000000000003</c>.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Timeline:X8}{LogId:X8}{Segment:X8}");

    /// <summary>Determines whether one segment comes before another.</summary>
    /// <param name="left">The first segment.</param>
    /// <param name="right">The second segment.</param>
    /// <returns><see langword="true"/> when <paramref name="left"/> comes first.</returns>
    public static bool operator <(WalSegmentName left, WalSegmentName right) => left.CompareTo(right) < 0;

    /// <summary>Determines whether one segment comes after another.</summary>
    /// <param name="left">The first segment.</param>
    /// <param name="right">The second segment.</param>
    /// <returns><see langword="true"/> when <paramref name="left"/> comes later.</returns>
    public static bool operator >(WalSegmentName left, WalSegmentName right) => left.CompareTo(right) > 0;

    /// <summary>Determines whether one segment comes before another or is the same.</summary>
    /// <param name="left">The first segment.</param>
    /// <param name="right">The second segment.</param>
    /// <returns><see langword="true"/> when <paramref name="left"/> does not come later.</returns>
    public static bool operator <=(WalSegmentName left, WalSegmentName right) => left.CompareTo(right) <= 0;

    /// <summary>Determines whether one segment comes after another or is the same.</summary>
    /// <param name="left">The first segment.</param>
    /// <param name="right">The second segment.</param>
    /// <returns><see langword="true"/> when <paramref name="left"/> does not come first.</returns>
    public static bool operator >=(WalSegmentName left, WalSegmentName right) => left.CompareTo(right) >= 0;
}
