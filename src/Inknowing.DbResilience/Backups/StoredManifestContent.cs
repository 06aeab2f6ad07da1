namespace Inknowing.DbResilience.Backups;

/// <summary>What <see cref="StoredManifest.ReadAsync"/> read: a manifest's bytes and what, if anything, is wrong with them.</summary>
public sealed class StoredManifestContent
{
    /// <summary>Initializes a new instance of the <see cref="StoredManifestContent"/> class.</summary>
    /// <param name="bytes">The bytes read.</param>
    /// <param name="isSealed">Whether the manifest carries its own checksum.</param>
    /// <param name="problem">What is wrong, naming the storage and the key; <see langword="null"/> when nothing is.</param>
    public StoredManifestContent(byte[] bytes, bool isSealed, string? problem)
    {
        Bytes = bytes;
        IsSealed = isSealed;
        Problem = problem;
    }

    /// <summary>Gets the bytes read.</summary>
    public byte[] Bytes { get; }

    /// <summary>Gets a value indicating whether the manifest carries its own checksum (a seal).</summary>
    public bool IsSealed { get; }

    /// <summary>Gets what is wrong with the manifest, naming the storage and the key, or <see langword="null"/> when nothing is.</summary>
    public string? Problem { get; }

    /// <summary>Deconstructs the content into its parts.</summary>
    /// <param name="bytes">The bytes read.</param>
    /// <param name="isSealed">Whether the manifest carries its own checksum.</param>
    /// <param name="problem">What is wrong, or <see langword="null"/>.</param>
    public void Deconstruct(out byte[] bytes, out bool isSealed, out string? problem)
    {
        bytes = Bytes;
        isSealed = IsSealed;
        problem = Problem;
    }
}
