using System.Globalization;
using Inknowing.DbResilience.Storage;
using NpgsqlTypes;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// Follows the stored WAL from each base backup, across timeline switches named by history files, to find how far each
/// backup can be recovered, the recoverable window, and the gaps (like WAL-G's wal-verify). A pure function of the listing.
/// </summary>
internal sealed class WalChain
{
    private readonly Dictionary<(uint Timeline, ulong Start), (WalFileName File, StorageObjectInfo Info)> _segments = new();
    private readonly Dictionary<uint, (uint Parent, ulong SwitchLsn)> _histories;

    private WalChain(IEnumerable<(WalFileName File, StorageObjectInfo Info)> files, IReadOnlyDictionary<uint, (uint Parent, ulong SwitchLsn)> histories)
    {
        _histories = histories.ToDictionary(h => h.Key, h => h.Value);
        foreach (var (file, info) in files)
        {
            if (file.Segment is not { } segment || file.Kind is not (WalFileKind.Segment or WalFileKind.Partial))
            {
                continue;
            }

            var key = (segment.Timeline, (ulong)segment.StartLsn);
            if (file.Kind == WalFileKind.Segment || !_segments.ContainsKey(key))
            {
                _segments[key] = (file, info);
            }
        }
    }

    /// <summary>Gets how far each restorable base backup can be recovered, by id.</summary>
    public Dictionary<string, ChainEnd> Ends { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the window and problems.</summary>
    public RecoverableWindow Window { get; private set; } = new();

    /// <summary>Analyses base backups and stored WAL files.</summary>
    public static WalChain Analyze(
        IReadOnlyList<BaseBackupManifest> baseBackups,
        IEnumerable<(WalFileName File, StorageObjectInfo Info)> files,
        IReadOnlyDictionary<uint, (uint Parent, ulong SwitchLsn)> histories)
    {
        var list = files.ToList();
        var chain = new WalChain(list, histories);
        chain.Run(BaseBackupManifest.InOrder(baseBackups), list.Count);
        return chain;
    }

    /// <summary>Parses a timeline history file: its last line names the parent timeline and the switch point.</summary>
    public static (uint Parent, ulong SwitchLsn)? ParseHistory(string content)
        => ParseHistoryLines(content) is { Count: > 0 } lines ? lines[^1] : null;

    /// <summary>Parses every line of a timeline history file, oldest first: each names a timeline and the point where it ended.</summary>
    public static IReadOnlyList<(uint Parent, ulong SwitchLsn)> ParseHistoryLines(string content)
    {
        var lines = new List<(uint, ulong)>();
        foreach (var line in content.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            var parts = line.Split('\t', ' ');
            if (parts.Length >= 2
                && uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
                && NpgsqlLogSequenceNumber.TryParse(parts[1], out var lsn))
            {
                lines.Add((parent, (ulong)lsn));
            }
        }

        return lines;
    }

    /// <summary>Gets the segments (complete or partial) between two positions, inclusive, on the timelines recovery follows.</summary>
    public IEnumerable<(WalFileName File, StorageObjectInfo Info)> Walk(WalSegmentName from)
    {
        var timeline = from.Timeline;
        var position = from;
        while (true)
        {
            timeline = FollowSwitches(timeline, position);
            position = position with { Timeline = timeline };
            if (!_segments.TryGetValue((timeline, (ulong)position.StartLsn), out var found))
            {
                yield break;
            }

            yield return found;
            if (found.File.Kind == WalFileKind.Partial)
            {
                yield break;
            }

            position = position.Next();
        }
    }

    private uint FollowSwitches(uint timeline, WalSegmentName position)
    {
        var moved = true;
        while (moved)
        {
            moved = false;
            foreach (var (child, history) in _histories.OrderByDescending(h => h.Key))
            {
                if (history.Parent == timeline && history.SwitchLsn < (ulong)position.EndLsn)
                {
                    timeline = child;
                    moved = true;
                    break;
                }
            }
        }

        return timeline;
    }

    private void Run(List<BaseBackupManifest> baseBackups, int fileCount)
    {
        var problems = new List<WalChainProblem>();
        foreach (var timeline in _segments.Keys.Select(k => k.Timeline).Distinct().Where(t => t > 1 && !_histories.ContainsKey(t)).Order())
        {
            problems.Add(new WalChainProblem(
                WalChainProblemKind.MissingHistory,
                string.Create(CultureInfo.InvariantCulture, $"WAL of timeline {timeline} is stored but not its history file {timeline:X8}.history: recovery cannot follow that timeline switch."),
                string.Create(CultureInfo.InvariantCulture, $"{timeline:X8}.history")));
        }

        var gaps = new HashSet<string>(StringComparer.Ordinal);
        foreach (var backup in baseBackups)
        {
            var walked = Walk(backup.StartSegment).ToList();
            var stop = backup.StopSegment;
            if (walked.Count == 0 || walked[^1].File.Segment!.Value.StartLsn.CompareTo(stop.StartLsn) < 0)
            {
                var missing = walked.Count == 0 ? backup.StartSegment : walked[^1].File.Segment!.Value.Next();
                problems.Add(new WalChainProblem(
                    WalChainProblemKind.UnrestorableBaseBackup,
                    $"Base backup {backup.Id} cannot be restored: WAL segment {missing} (needed from {backup.StartSegment} to {stop}) is not stored.",
                    missing.ToString()));
                continue;
            }

            var last = walked[^1];
            var lastSegment = last.File.Segment!.Value;
            var end = new ChainEnd(
                lastSegment,
                last.File.Kind == WalFileKind.Partial
                    ? new NpgsqlLogSequenceNumber((ulong)lastSegment.StartLsn + (ulong)Math.Min(last.Info.Size, WalSegmentName.SegmentSize))
                    : lastSegment.EndLsn,
                last.Info.LastModified,
                walked.Select(w => w.File).ToList());
            Ends[backup.Id] = end;

            var after = _segments.Keys
                .Where(k => k.Start > (ulong)lastSegment.StartLsn)
                .Select(k => (ulong?)k.Start)
                .Min();
            if (last.File.Kind != WalFileKind.Partial && after is { } next && gaps.Add(lastSegment.Next().ToString()))
            {
                var resumes = WalSegmentName.FromLsn(lastSegment.Timeline, new NpgsqlLogSequenceNumber(next));
                problems.Add(new WalChainProblem(
                    WalChainProblemKind.Gap,
                    $"WAL gap: {lastSegment.Next()} is missing (the chain resumes at {resumes}); recovery from base backup {backup.Id} stops at {end.Lsn}.",
                    lastSegment.Next().ToString()));
            }
        }

        var restorable = baseBackups.Where(b => Ends.ContainsKey(b.Id)).ToList();
        var first = restorable.FirstOrDefault();
        var latest = restorable.Select(b => Ends[b.Id]).OrderByDescending(e => (ulong)e.Lsn).FirstOrDefault();
        Window = new RecoverableWindow
        {
            Earliest = first?.StopTime,
            EarliestLsn = first?.StopLsn,
            Latest = latest?.LastModified,
            LatestLsn = latest?.Lsn.ToString(),
            LatestTimeline = latest?.Segment.Timeline,
            BaseBackups = baseBackups,
            RestorableBaseBackups = restorable.Select(b => b.Id).ToList(),
            WalFiles = fileCount,
            Problems = problems,
        };
    }

    /// <summary>How far one base backup can be recovered.</summary>
    /// <param name="Segment">The last stored segment of its unbroken chain.</param>
    /// <param name="Lsn">The end of the replayable WAL.</param>
    /// <param name="LastModified">When that last segment was stored.</param>
    /// <param name="Files">The WAL files of the chain, in order.</param>
    internal sealed record ChainEnd(WalSegmentName Segment, NpgsqlLogSequenceNumber Lsn, DateTimeOffset LastModified, IReadOnlyList<WalFileName> Files);
}
