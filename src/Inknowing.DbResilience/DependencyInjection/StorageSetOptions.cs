namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>The storages configured through the builder: the <c>Use*Storage</c> slot and the <c>AddStorage</c> copies.</summary>
internal sealed class StorageSetOptions
{
    /// <summary>Gets or sets the storage of the single <c>Use*Storage</c> slot (the last call wins).</summary>
    public StorageRegistration? Primary { get; set; }

    /// <summary>Gets the extra copies added by <c>AddStorage</c>, in call order.</summary>
    public List<StorageRegistration> Copies { get; } = [];

    /// <summary>
    /// Gets the builder calls that need a storage (empty strings for the storage calls themselves); when any is present,
    /// a configuration without storage fails validation at start-up.
    /// </summary>
    public List<string> RequiredBy { get; } = [];

    /// <summary>Gets every storage, the primary first.</summary>
    public IEnumerable<StorageRegistration> All => Primary is null ? Copies : Copies.Prepend(Primary);
}
