namespace Inknowing.DbResilience.Retention;

/// <summary>What <see cref="IBaseBackupRetention"/> plans: a decision per base backup and one for the archived WAL.</summary>
public sealed record BaseBackupRetentionPlan
{
    /// <summary>Gets one decision with its reason per base backup (<see cref="RetentionDecision.Kind"/> is base), newest first.</summary>
    public required IReadOnlyList<RetentionDecision> BaseBackups { get; init; }

    /// <summary>Gets what happens to the archived WAL, with the reason.</summary>
    public required WalRetentionDecision Wal { get; init; }
}
