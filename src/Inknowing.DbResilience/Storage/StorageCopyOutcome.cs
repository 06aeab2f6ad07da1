namespace Inknowing.DbResilience.Storage;

/// <summary>What became of one object in a <see cref="StorageCopier"/> run.</summary>
public enum StorageCopyOutcome
{
    /// <summary>The object was copied and its SHA-256 verified in the destination.</summary>
    Copied,

    /// <summary>The object was already in the destination with the same SHA-256, so it was not copied again.</summary>
    Skipped,

    /// <summary>The copy failed; <see cref="StorageCopyItem.Error"/> says why.</summary>
    Failed,
}
