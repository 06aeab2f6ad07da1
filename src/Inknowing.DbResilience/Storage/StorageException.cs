namespace Inknowing.DbResilience.Storage;

/// <summary>Thrown when a storage provider fails; names the storage and the key, never credentials.</summary>
public class StorageException : DbResilienceException
{
    /// <summary>Initializes a new instance of the <see cref="StorageException"/> class.</summary>
    public StorageException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="StorageException"/> class with a message.</summary>
    /// <param name="message">What failed.</param>
    public StorageException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="StorageException"/> class with a message and a cause.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public StorageException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="StorageException"/> class for one storage and key.</summary>
    /// <param name="storageName">The storage's display name.</param>
    /// <param name="key">The key involved, or <see langword="null"/>.</param>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    /// <param name="isTransient">Whether trying again may succeed.</param>
    public StorageException(string storageName, string? key, string message, Exception? innerException = null, bool isTransient = false)
        : base(Describe(storageName, key, message), innerException)
    {
        StorageName = storageName;
        Key = key;
        Transient = isTransient;
    }

    /// <summary>Gets the display name of the storage that failed.</summary>
    public string? StorageName { get; }

    /// <summary>Gets the key involved, if any.</summary>
    public string? Key { get; }

    /// <inheritdoc />
    public override bool IsTransient => Transient;

    private bool Transient { get; }

    private static string Describe(string storageName, string? key, string message)
        => key is null ? $"Storage '{storageName}': {message}" : $"Storage '{storageName}', key '{key}': {message}";
}
