namespace Inknowing.DbResilience.Retention;

/// <summary>What retention does with the archived WAL: removes only the files older than every kept base backup's start.</summary>
public sealed record WalRetentionDecision
{
    /// <summary>Gets the storage keys of the WAL files to delete (history files always stay).</summary>
    public required IReadOnlyList<string> Delete { get; init; }

    /// <summary>Gets the oldest WAL segment a kept base backup needs; nothing from it on is removed. <see langword="null"/> when nothing is removed.</summary>
    public string? OldestNeededSegment { get; init; }

    /// <summary>Gets why, such as <c>keeping all WAL from 000000010000000000000004 on, which base backup ... needs</c>.</summary>
    public required string Reason { get; init; }
}
