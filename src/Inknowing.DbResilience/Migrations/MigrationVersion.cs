using System.Globalization;
using System.Numerics;

namespace Inknowing.DbResilience.Migrations;

/// <summary>
/// A migration version such as <c>1</c>, <c>10</c> or <c>1.2</c>, compared numerically part by part
/// (<c>V2</c> runs before <c>V10</c>; <c>V001</c> equals <c>V1</c>).
/// </summary>
public readonly struct MigrationVersion : IEquatable<MigrationVersion>, IComparable<MigrationVersion>
{
    private readonly BigInteger[]? _parts;

    private MigrationVersion(BigInteger[] parts) => _parts = parts;

    /// <summary>Gets the numeric parts of the version, without trailing zero parts.</summary>
    public IReadOnlyList<BigInteger> Parts => _parts ?? Array.Empty<BigInteger>();

    /// <summary>Compares two versions.</summary>
    /// <param name="left">The first version.</param>
    /// <param name="right">The second version.</param>
    /// <returns><see langword="true"/> when they are equal.</returns>
    public static bool operator ==(MigrationVersion left, MigrationVersion right) => left.Equals(right);

    /// <summary>Compares two versions.</summary>
    /// <param name="left">The first version.</param>
    /// <param name="right">The second version.</param>
    /// <returns><see langword="true"/> when they differ.</returns>
    public static bool operator !=(MigrationVersion left, MigrationVersion right) => !left.Equals(right);

    /// <summary>Compares two versions.</summary>
    /// <param name="left">The first version.</param>
    /// <param name="right">The second version.</param>
    /// <returns><see langword="true"/> when <paramref name="left"/> comes first.</returns>
    public static bool operator <(MigrationVersion left, MigrationVersion right) => left.CompareTo(right) < 0;

    /// <summary>Compares two versions.</summary>
    /// <param name="left">The first version.</param>
    /// <param name="right">The second version.</param>
    /// <returns><see langword="true"/> when <paramref name="left"/> comes after.</returns>
    public static bool operator >(MigrationVersion left, MigrationVersion right) => left.CompareTo(right) > 0;

    /// <summary>Compares two versions.</summary>
    /// <param name="left">The first version.</param>
    /// <param name="right">The second version.</param>
    /// <returns><see langword="true"/> when <paramref name="left"/> comes first or is equal.</returns>
    public static bool operator <=(MigrationVersion left, MigrationVersion right) => left.CompareTo(right) <= 0;

    /// <summary>Compares two versions.</summary>
    /// <param name="left">The first version.</param>
    /// <param name="right">The second version.</param>
    /// <returns><see langword="true"/> when <paramref name="left"/> comes after or is equal.</returns>
    public static bool operator >=(MigrationVersion left, MigrationVersion right) => left.CompareTo(right) >= 0;

    /// <summary>Parses a version: digits, with parts separated by <c>_</c> or <c>.</c> (<c>1</c>, <c>001</c>, <c>1_2</c>, <c>1.2</c>).</summary>
    /// <param name="text">The version text.</param>
    /// <returns>The version.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="text"/> is not a version.</exception>
    public static MigrationVersion Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var version)
            ? version
            : throw new FormatException($"'{text}' is not a migration version: use digits, with parts separated by '_' or '.', such as 12 or 1_2.");
    }

    /// <summary>Tries to parse a version.</summary>
    /// <param name="text">The version text.</param>
    /// <param name="version">The version, when the text is one.</param>
    /// <returns><see langword="true"/> when <paramref name="text"/> is a version.</returns>
    public static bool TryParse(string? text, out MigrationVersion version)
    {
        version = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var pieces = text.Split('_', '.');
        var parts = new List<BigInteger>(pieces.Length);
        foreach (var piece in pieces)
        {
            if (piece.Length == 0 || !piece.All(char.IsAsciiDigit))
            {
                return false;
            }

            parts.Add(BigInteger.Parse(piece, NumberStyles.None, CultureInfo.InvariantCulture));
        }

        while (parts.Count > 1 && parts[^1].IsZero)
        {
            parts.RemoveAt(parts.Count - 1);
        }

        version = new MigrationVersion(parts.ToArray());
        return true;
    }

    /// <inheritdoc />
    public int CompareTo(MigrationVersion other)
    {
        var a = Parts;
        var b = other.Parts;
        for (var i = 0; i < Math.Max(a.Count, b.Count); i++)
        {
            var x = i < a.Count ? a[i] : BigInteger.Zero;
            var y = i < b.Count ? b[i] : BigInteger.Zero;
            var c = x.CompareTo(y);
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }

    /// <inheritdoc />
    public bool Equals(MigrationVersion other) => CompareTo(other) == 0;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is MigrationVersion other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var part in Parts)
        {
            hash.Add(part);
        }

        return hash.ToHashCode();
    }

    /// <summary>Formats the version with its parts separated by dots and no leading zeros, such as <c>1.2</c>.</summary>
    /// <returns>The canonical text, as stored in <c>schema_migrations.version</c>.</returns>
    public override string ToString() => string.Join('.', Parts.Select(p => p.ToString(CultureInfo.InvariantCulture)));
}
