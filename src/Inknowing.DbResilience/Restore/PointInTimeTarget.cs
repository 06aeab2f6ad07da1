using System.Globalization;

namespace Inknowing.DbResilience.Restore;

/// <summary>
/// The point a restore of a base backup recovers to (<see cref="RestoreRequest.PointInTime"/>): the latest archived state, the
/// backup's consistent point, a time, a WAL location, a transaction id or a named restore point. Only a base backup can be rolled
/// forward; a logical backup with a target is refused.
/// </summary>
public sealed class PointInTimeTarget
{
    private PointInTimeTarget(PointInTimeTargetKind kind)
    {
        Kind = kind;
    }

    /// <summary>Gets the target that replays every archived WAL file.</summary>
    public static PointInTimeTarget Latest { get; } = new(PointInTimeTargetKind.Latest);

    /// <summary>Gets the target that stops as soon as the base backup is consistent.</summary>
    public static PointInTimeTarget Immediate { get; } = new(PointInTimeTargetKind.Immediate);

    /// <summary>Gets the kind of target.</summary>
    public PointInTimeTargetKind Kind { get; }

    /// <summary>Gets the time of a <see cref="PointInTimeTargetKind.Time"/> target.</summary>
    public DateTimeOffset? Time { get; private init; }

    /// <summary>Gets the WAL location of a <see cref="PointInTimeTargetKind.Lsn"/> target, as <c>X/Y</c> hexadecimal text.</summary>
    public string? Lsn { get; private init; }

    /// <summary>Gets the transaction id of a <see cref="PointInTimeTargetKind.TransactionId"/> target.</summary>
    public ulong? TransactionId { get; private init; }

    /// <summary>Gets the name of a <see cref="PointInTimeTargetKind.RestorePoint"/> target.</summary>
    public string? RestorePoint { get; private init; }

    /// <summary>Creates a target at a time: transactions committed at or before it are kept.</summary>
    /// <param name="time">The time.</param>
    /// <returns>The target.</returns>
    public static PointInTimeTarget AtTime(DateTimeOffset time) => new(PointInTimeTargetKind.Time) { Time = time };

    /// <summary>Creates a target at a WAL location.</summary>
    /// <param name="lsn">The location as PostgreSQL prints it, such as <c>0/3000100</c>.</param>
    /// <returns>The target.</returns>
    /// <exception cref="ArgumentException"><paramref name="lsn"/> is not two hexadecimal numbers separated by a slash.</exception>
    public static PointInTimeTarget AtLsn(string lsn)
    {
        ArgumentException.ThrowIfNullOrEmpty(lsn);
        var parts = lsn.Split('/');
        if (parts.Length != 2 || !parts.All(p => p.Length is > 0 and <= 8 && uint.TryParse(p, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _)))
        {
            throw new ArgumentException($"'{lsn}' is not a WAL location: use the form 0/3000100.", nameof(lsn));
        }

        return new(PointInTimeTargetKind.Lsn) { Lsn = lsn.ToUpperInvariant() };
    }

    /// <summary>Creates a target after a transaction id commits.</summary>
    /// <param name="transactionId">The transaction id (<c>txid_current()</c> or <c>pg_current_xact_id()</c>).</param>
    /// <returns>The target.</returns>
    public static PointInTimeTarget AtTransaction(ulong transactionId) => new(PointInTimeTargetKind.TransactionId) { TransactionId = transactionId };

    /// <summary>Creates a target at a named restore point.</summary>
    /// <param name="name">The name given to <c>pg_create_restore_point</c>.</param>
    /// <returns>The target.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or longer than PostgreSQL's 63 bytes.</exception>
    public static PointInTimeTarget AtRestorePoint(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (System.Text.Encoding.UTF8.GetByteCount(name) > 63)
        {
            throw new ArgumentException($"The restore point name '{name}' is longer than PostgreSQL's 63 bytes.", nameof(name));
        }

        return new(PointInTimeTargetKind.RestorePoint) { RestorePoint = name };
    }

    /// <summary>Describes the target, such as <c>time 2026-11-21T02:00:00.0000000+00:00</c> or <c>latest</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
    {
        var kind = Kind.ToString().ToLowerInvariant();
        return Kind switch
        {
            PointInTimeTargetKind.Time => $"{kind} {Time!.Value.ToString("O", CultureInfo.InvariantCulture)}",
            PointInTimeTargetKind.Lsn => $"{kind} {Lsn}",
            PointInTimeTargetKind.TransactionId => $"{kind} {TransactionId!.Value.ToString(CultureInfo.InvariantCulture)}",
            PointInTimeTargetKind.RestorePoint => $"{kind} {RestorePoint}",
            _ => kind,
        };
    }
}
