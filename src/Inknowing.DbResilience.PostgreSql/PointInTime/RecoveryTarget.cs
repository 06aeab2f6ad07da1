using System.Globalization;
using NpgsqlTypes;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>The point a restore recovers to: latest, immediate, a time, an LSN, a transaction id or a named restore point.</summary>
public sealed record RecoveryTarget
{
    private RecoveryTarget(RecoveryTargetKind kind, string? value, DateTimeOffset? time = null, NpgsqlLogSequenceNumber? lsn = null)
    {
        Kind = kind;
        Value = value;
        Time = time;
        Lsn = lsn;
    }

    /// <summary>Gets the target that replays every archived WAL file.</summary>
    public static RecoveryTarget Latest { get; } = new(RecoveryTargetKind.Latest, null);

    /// <summary>Gets the target that stops as soon as the base backup is consistent.</summary>
    public static RecoveryTarget Immediate { get; } = new(RecoveryTargetKind.Immediate, null);

    /// <summary>Gets the kind of target.</summary>
    public RecoveryTargetKind Kind { get; }

    /// <summary>Gets the target's value as PostgreSQL reads it, or <see langword="null"/> for latest and immediate.</summary>
    public string? Value { get; }

    /// <summary>Gets the time of a <see cref="RecoveryTargetKind.Time"/> target.</summary>
    public DateTimeOffset? Time { get; }

    /// <summary>Gets the LSN of a <see cref="RecoveryTargetKind.Lsn"/> target.</summary>
    public NpgsqlLogSequenceNumber? Lsn { get; }

    /// <summary>Creates a target at a time: transactions committed at or before it are kept.</summary>
    /// <param name="time">The time.</param>
    /// <returns>The target.</returns>
    public static RecoveryTarget AtTime(DateTimeOffset time)
        => new(RecoveryTargetKind.Time, time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.ffffff'+00'", CultureInfo.InvariantCulture), time: time);

    /// <summary>Creates a target at a WAL location.</summary>
    /// <param name="lsn">The location.</param>
    /// <returns>The target.</returns>
    public static RecoveryTarget AtLsn(NpgsqlLogSequenceNumber lsn) => new(RecoveryTargetKind.Lsn, lsn.ToString(), lsn: lsn);

    /// <summary>Creates a target after a transaction id commits.</summary>
    /// <param name="transactionId">The transaction id (<c>txid_current()</c> or <c>pg_current_xact_id()</c>).</param>
    /// <returns>The target.</returns>
    public static RecoveryTarget AtTransaction(ulong transactionId)
        => new(RecoveryTargetKind.TransactionId, transactionId.ToString(CultureInfo.InvariantCulture));

    /// <summary>Creates a target at a named restore point.</summary>
    /// <param name="name">The name given to <c>pg_create_restore_point</c>.</param>
    /// <returns>The target.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or longer than 63 bytes.</exception>
    public static RecoveryTarget AtRestorePoint(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (System.Text.Encoding.UTF8.GetByteCount(name) > 63)
        {
            throw new ArgumentException($"The restore point name '{name}' is longer than PostgreSQL's 63 bytes.", nameof(name));
        }

        return new(RecoveryTargetKind.RestorePoint, name);
    }

    /// <summary>Describes the target, such as <c>time 2026-11-21 02:00:00.000000+00</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => Value is null ? Kind.ToString().ToLowerInvariant() : $"{Kind.ToString().ToLowerInvariant()} {Value}";

    /// <summary>Converts the target of a <see cref="Inknowing.DbResilience.Restore.RestoreRequest"/> into the one the restorer reads.</summary>
    /// <exception cref="ArgumentException">The LSN of an LSN target is not a WAL location.</exception>
    internal static RecoveryTarget From(Inknowing.DbResilience.Restore.PointInTimeTarget target) => target.Kind switch
    {
        Inknowing.DbResilience.Restore.PointInTimeTargetKind.Immediate => Immediate,
        Inknowing.DbResilience.Restore.PointInTimeTargetKind.Time => AtTime(target.Time!.Value),
        Inknowing.DbResilience.Restore.PointInTimeTargetKind.Lsn => AtLsn(NpgsqlLogSequenceNumber.Parse(target.Lsn!)),
        Inknowing.DbResilience.Restore.PointInTimeTargetKind.TransactionId => AtTransaction(target.TransactionId!.Value),
        Inknowing.DbResilience.Restore.PointInTimeTargetKind.RestorePoint => AtRestorePoint(target.RestorePoint!),
        _ => Latest,
    };

    /// <summary>Gets the recovery settings of this target, for postgresql.auto.conf.</summary>
    internal IEnumerable<KeyValuePair<string, string>> GetSettings()
    {
        switch (Kind)
        {
            case RecoveryTargetKind.Immediate:
                yield return new("recovery_target", "immediate");
                break;
            case RecoveryTargetKind.Time:
                yield return new("recovery_target_time", Value!);
                break;
            case RecoveryTargetKind.Lsn:
                yield return new("recovery_target_lsn", Value!);
                break;
            case RecoveryTargetKind.TransactionId:
                yield return new("recovery_target_xid", Value!);
                break;
            case RecoveryTargetKind.RestorePoint:
                yield return new("recovery_target_name", Value!);
                break;
            default:
                break;
        }
    }
}
