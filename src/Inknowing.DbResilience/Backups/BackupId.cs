using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Inknowing.DbResilience.Backups;

/// <summary>
/// The id of a backup, such as <c>20261121T020000Z-daily-3f9a</c>: its UTC start time, its tier and a random suffix.
/// Ids sort by time in ordinal order, so a storage listing is already in order and "latest" needs no catalog.
/// </summary>
public readonly partial record struct BackupId
{
    private BackupId(string value) => Value = value;

    /// <summary>Gets the id's text.</summary>
    public string Value { get; }

    /// <summary>Gets the UTC time the backup started, to the second.</summary>
    public DateTimeOffset Timestamp => DateTimeOffset.ParseExact(Value[..16], "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>Gets the tier in the id, for example <c>daily</c>, <c>manual</c> or <c>base</c>.</summary>
    public string Tier => Value[17..Value.LastIndexOf('-')];

    /// <summary>Creates a new id for a backup starting now.</summary>
    /// <param name="startedAt">When the backup starts.</param>
    /// <param name="tier">The tier: lowercase letters, digits and underscores.</param>
    /// <returns>The new id.</returns>
    /// <exception cref="ArgumentException"><paramref name="tier"/> is empty or has other characters.</exception>
    public static BackupId New(DateTimeOffset startedAt, string tier)
    {
        if (string.IsNullOrEmpty(tier) || !TierPattern().IsMatch(tier))
        {
            throw new ArgumentException($"The tier '{tier}' must be lowercase letters, digits and underscores, such as 'daily'.", nameof(tier));
        }

        var suffix = Convert.ToHexString(RandomNumberGenerator.GetBytes(2)).ToLowerInvariant();
        return new BackupId(startedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + tier + "-" + suffix);
    }

    /// <summary>Parses an id.</summary>
    /// <param name="value">The text.</param>
    /// <returns>The id.</returns>
    /// <exception cref="FormatException"><paramref name="value"/> is not a backup id; the message names it and shows the form.</exception>
    public static BackupId Parse(string value)
        => TryParse(value, out var id)
            ? id
            : throw new FormatException($"'{value}' is not a backup id such as 20261121T020000Z-daily-3f9a.");

    /// <summary>Tries to parse an id.</summary>
    /// <param name="value">The text.</param>
    /// <param name="id">The id, when the text is one.</param>
    /// <returns><see langword="true"/> when <paramref name="value"/> is a backup id.</returns>
    public static bool TryParse(string? value, out BackupId id)
    {
        if (value is not null && IdPattern().IsMatch(value)
            && DateTimeOffset.TryParseExact(value[..16], "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
        {
            id = new BackupId(value);
            return true;
        }

        id = default;
        return false;
    }

    /// <inheritdoc />
    public override string ToString() => Value ?? string.Empty;

    [GeneratedRegex("^[a-z0-9_]+$", RegexOptions.CultureInvariant)]
    private static partial Regex TierPattern();

    [GeneratedRegex("^[0-9]{8}T[0-9]{6}Z-[a-z0-9_]+-[0-9a-f]{4}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
