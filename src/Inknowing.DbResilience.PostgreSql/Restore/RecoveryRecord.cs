namespace Inknowing.DbResilience.PostgreSql.Restore;

/// <summary>One row of the recovery_history table.</summary>
internal sealed record RecoveryRecord(
    string RecoveryType,
    string RecoveryTarget,
    string? BackupUsed,
    DateTimeOffset StartedAt,
    DateTimeOffset CompletedAt,
    bool Success,
    string? DataLossAssessment,
    string? Notes);
