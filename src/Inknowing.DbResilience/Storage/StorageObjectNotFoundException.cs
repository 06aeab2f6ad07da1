namespace Inknowing.DbResilience.Storage;

/// <summary>Thrown when nothing is stored under the requested key.</summary>
public sealed class StorageObjectNotFoundException : StorageException
{
    /// <summary>Initializes a new instance of the <see cref="StorageObjectNotFoundException"/> class.</summary>
    public StorageObjectNotFoundException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="StorageObjectNotFoundException"/> class with a message.</summary>
    /// <param name="message">What was missing.</param>
    public StorageObjectNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="StorageObjectNotFoundException"/> class with a message and a cause.</summary>
    /// <param name="message">What was missing.</param>
    /// <param name="innerException">The cause.</param>
    public StorageObjectNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="StorageObjectNotFoundException"/> class for one storage and key.</summary>
    /// <param name="storageName">The storage's display name.</param>
    /// <param name="key">The key that has no object.</param>
    public StorageObjectNotFoundException(string storageName, string key)
        : base(storageName, key, "no object is stored under this key.")
    {
    }
}
