using System.Globalization;
using System.Text.RegularExpressions;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>A file name that WAL archiving accepts, its kind, timeline and storage key (<c>wal/&lt;timeline&gt;/&lt;name&gt;</c>).</summary>
internal sealed partial record WalFileName(string Name, WalFileKind Kind, uint Timeline, WalSegmentName? Segment)
{
    /// <summary>The storage prefix of every archived WAL file.</summary>
    public const string Prefix = "wal/";

    /// <summary>Gets the storage key.</summary>
    public string Key => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Timeline:X8}/{Name}");

    /// <summary>Parses an archived file name, or returns <see langword="null"/> when PostgreSQL would never archive such a file.</summary>
    public static WalFileName? TryParse(string name)
    {
        var match = NamePattern().Match(name);
        if (!match.Success)
        {
            return null;
        }

        if (match.Groups["history"].Success)
        {
            var timeline = uint.Parse(match.Groups["history"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return timeline == 0 ? null : new WalFileName(name, WalFileKind.History, timeline, null);
        }

        if (!WalSegmentName.TryParse(match.Groups["segment"].Value, out var segment))
        {
            return null;
        }

        var kind = match.Groups["partial"].Success ? WalFileKind.Partial
            : match.Groups["backup"].Success ? WalFileKind.BackupHistory
            : WalFileKind.Segment;
        return new WalFileName(name, kind, segment.Timeline, segment);
    }

    /// <summary>Parses an archived file name or throws with a message that names it and shows the accepted forms.</summary>
    /// <exception cref="ArgumentException">The name is not one PostgreSQL archives.</exception>
    public static WalFileName Parse(string name)
        => TryParse(name) ?? throw new ArgumentException(
            $"'{name}' is not a WAL file name: expected a segment (000000010000000000000003), a partial segment (….partial), "
            + "a timeline history file (00000002.history) or a backup history file (….00000028.backup).",
            nameof(name));

    [GeneratedRegex(@"^(?:(?<history>[0-9A-F]{8})\.history|(?<segment>[0-9A-F]{24})(?:(?<partial>\.partial)|(?<backup>\.[0-9A-F]{8}\.backup))?)$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
