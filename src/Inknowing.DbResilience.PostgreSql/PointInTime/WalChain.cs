using System.Globalization;
using Inknowing.DbResilience.Backups;
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
        IReadOnlyList<BackupManifest> baseBackups,
        IEnumerable<(WalFileName File, StorageObjectInfo Info)> files,
        IReadOnlyDictionary<uint, (uint Parent, ulong SwitchLsn)> histories)
    {
        var list = files.ToList();
        var chain = new WalChain(list, histories);
        chain.Run(BaseBackupManifests.InOrder(baseBackups), list.Count);
        return chain;
    }

    /// <summary>Records the base backup folders that hold data but no manifest.</summary>
    public void AddIncomplete(IReadOnlyList<string> incomplete)
        => Window = Window with { IncompleteBaseBackups = incomplete };

    /// <summary>Adds problems found outside the listing (damaged manifests) to the window's.</summary>
    public void AddProblems(IEnumerable<WalChainProblem> problems)
        => Window = Window with { Problems = [.. Window.Problems, .. problems] };

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

    /// <summary>
    /// Finds what a restore that replays everything cannot reach from the end of a walk: the WAL stored later on the timeline
    /// the walk ended on or on its descendants (or on a later timeline whose history file is missing), behind a missing segment.
    /// </summary>
    /// <param name="walked">The files of the walk, in order (not empty).</param>
    /// <returns>The break, or <see langword="null"/> when the walk reaches the end of the archive.</returns>
    public ChainBreak? FindBreak(IReadOnlyList<(WalFileName File, StorageObjectInfo Info)> walked)
    {
        var last = walked[^1];
        var lastSegment = last.File.Segment!.Value;
        var unreachable = _segments.Values
            .Where(s => ((ulong)s.File.Segment!.Value.StartLsn > (ulong)lastSegment.StartLsn
                    || ((ulong)s.File.Segment!.Value.StartLsn == (ulong)lastSegment.StartLsn && s.File.Timeline > lastSegment.Timeline))
                && MayDescend(s.File.Timeline, lastSegment.Timeline))
            .OrderBy(s => s.File.Segment!.Value)
            .ToList();
        if (unreachable.Count == 0)
        {
            return null;
        }

        var first = unreachable[0];
        var next = lastSegment.Next();
        next = next with { Timeline = FollowSwitches(lastSegment.Timeline, next) };
        var lost = string.Create(CultureInfo.InvariantCulture,
            $"{unreachable.Count} later WAL file(s), {first.File.Name} to {unreachable[^1].File.Name} (stored up to {unreachable[^1].Info.LastModified:O}), cannot be replayed");
        var missingHistory = unreachable.Select(u => u.File.Timeline).Distinct().Where(t => t > lastSegment.Timeline && !_histories.ContainsKey(t)).Order().ToList();
        string message;
        string missing;
        if (missingHistory.Count > 0 && first.File.Timeline == missingHistory[0])
        {
            missing = string.Create(CultureInfo.InvariantCulture, $"{missingHistory[0]:X8}.history");
            message = $"The timeline history file {missing} is missing, so recovery cannot follow timeline {missingHistory[0]}: {lost}.";
        }
        else if (last.File.Kind == WalFileKind.Partial)
        {
            missing = lastSegment.ToString();
            message = string.Create(CultureInfo.InvariantCulture, $"WAL segment {lastSegment} is stored only in part ({last.File.Name}, {last.Info.Size} bytes), its complete copy is missing: {lost}.");
        }
        else
        {
            missing = next.ToString();
            message = $"WAL segment {next} is missing (the archive resumes at {first.File.Name}): {lost}.";
        }

        return new ChainBreak(message, missing, unreachable);
    }

    /// <summary>Tells whether recovery that ended on <paramref name="timeline"/> could go on to <paramref name="candidate"/>.</summary>
    private bool MayDescend(uint candidate, uint timeline)
    {
        for (var hops = 0; hops < 1000; hops++)
        {
            if (candidate == timeline)
            {
                return true;
            }

            if (!_histories.TryGetValue(candidate, out var history))
            {
                // A later timeline without its history may well descend from this one: count it rather than lose it quietly.
                return candidate > timeline;
            }

            candidate = history.Parent;
        }

        return false;
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

    private void Run(List<BackupManifest> baseBackups, int fileCount)
    {
        var problems = new List<WalChainProblem>();
        foreach (var timeline in _segments.Keys.Select(k => k.Timeline).Distinct().Where(t => t > 1 && !_histories.ContainsKey(t)).Order())
        {
            problems.Add(new WalChainProblem
            {
                Kind = WalChainProblemKind.MissingHistory,
                Message = string.Create(CultureInfo.InvariantCulture, $"WAL of timeline {timeline} is stored but not its history file {timeline:X8}.history: recovery cannot follow that timeline switch."),
                Missing = string.Create(CultureInfo.InvariantCulture, $"{timeline:X8}.history"),
            });
        }

        var gaps = new HashSet<string>(StringComparer.Ordinal);
        foreach (var backup in baseBackups)
        {
            var walked = Walk(backup.StartSegment()).ToList();
            var stop = backup.StopSegment();
            if (walked.Count == 0 || walked[^1].File.Segment!.Value.StartLsn.CompareTo(stop.StartLsn) < 0)
            {
                var missing = walked.Count == 0 ? backup.StartSegment() : walked[^1].File.Segment!.Value.Next();
                problems.Add(new WalChainProblem
                {
                    Kind = WalChainProblemKind.UnrestorableBaseBackup,
                    Message = $"Base backup {backup.Id} cannot be restored: WAL segment {missing} (needed from {backup.StartSegment()} to {stop}) is not stored.",
                    Missing = missing.ToString(),
                });
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
                problems.Add(new WalChainProblem
                {
                    Kind = WalChainProblemKind.Gap,
                    Message = $"WAL gap: {lastSegment.Next()} is missing (the chain resumes at {resumes}); recovery from base backup {backup.Id} stops at {end.Lsn}.",
                    Missing = lastSegment.Next().ToString(),
                });
            }
        }

        var restorable = baseBackups.Where(b => Ends.ContainsKey(b.Id)).ToList();
        var first = restorable.FirstOrDefault();
        var latest = restorable.Select(b => Ends[b.Id]).OrderByDescending(e => (ulong)e.Lsn).FirstOrDefault();
        Window = new RecoverableWindow
        {
            Earliest = first?.CompletedAt,
            EarliestLsn = first?.Wal?.StopLsn,
            Latest = latest?.LastModified,
            LatestLsn = latest?.Lsn.ToString(),
            LatestTimeline = latest?.Segment.Timeline,
            BaseBackups = baseBackups,
            RestorableBaseBackups = restorable.Select(b => b.Id).ToList(),
            WalFiles = fileCount,
            Problems = problems,
        };
    }

    /// <summary>What a restore that replays everything cannot reach.</summary>
    /// <param name="Message">What is missing and what cannot be replayed because of it.</param>
    /// <param name="Missing">The first missing file (a segment or a history file).</param>
    /// <param name="Unreachable">The stored WAL files behind the break, in order.</param>
    internal sealed record ChainBreak(string Message, string Missing, IReadOnlyList<(WalFileName File, StorageObjectInfo Info)> Unreachable);

    /// <summary>How far one base backup can be recovered.</summary>
    /// <param name="Segment">The last stored segment of its unbroken chain.</param>
    /// <param name="Lsn">The end of the replayable WAL.</param>
    /// <param name="LastModified">When that last segment was stored.</param>
    /// <param name="Files">The WAL files of the chain, in order.</param>
    internal sealed record ChainEnd(WalSegmentName Segment, NpgsqlLogSequenceNumber Lsn, DateTimeOffset LastModified, IReadOnlyList<WalFileName> Files);
}
