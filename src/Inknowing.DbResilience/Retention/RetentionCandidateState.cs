namespace Inknowing.DbResilience.Retention;

/// <summary>What retention knows about one backup found in storage.</summary>
public enum RetentionCandidateState
{
    /// <summary>Its manifest was read and it completed.</summary>
    Completed,

    /// <summary>Its manifest was read and a verification passed.</summary>
    Verified,

    /// <summary>Its data exists but its manifest does not: still running, or killed before it completed.</summary>
    NoManifest,

    /// <summary>Its manifest exists but could not be read or understood.</summary>
    Unreadable,
}
