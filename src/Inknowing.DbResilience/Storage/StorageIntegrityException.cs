namespace Inknowing.DbResilience.Storage;

/// <summary>Thrown when the bytes read back from a storage do not match the SHA-256 or size recorded when they were written.</summary>
public sealed class StorageIntegrityException : StorageException
{
    /// <summary>Initializes a new instance of the <see cref="StorageIntegrityException"/> class.</summary>
    public StorageIntegrityException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="StorageIntegrityException"/> class with a message.</summary>
    /// <param name="message">What did not match.</param>
    public StorageIntegrityException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="StorageIntegrityException"/> class with a message and a cause.</summary>
    /// <param name="message">What did not match.</param>
    /// <param name="innerException">The cause.</param>
    public StorageIntegrityException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="StorageIntegrityException"/> class for one object.</summary>
    /// <param name="storageName">The storage's display name.</param>
    /// <param name="key">The key read.</param>
    /// <param name="expectedSha256">The SHA-256 recorded at write time.</param>
    /// <param name="actualSha256">The SHA-256 of the bytes read.</param>
    /// <param name="size">The number of bytes read.</param>
    public StorageIntegrityException(string storageName, string key, string expectedSha256, string actualSha256, long size)
        : base(storageName, key, $"the {size} bytes read have SHA-256 {actualSha256}, but {expectedSha256} was recorded: the object is corrupt or was replaced.")
    {
        ExpectedSha256 = expectedSha256;
        ActualSha256 = actualSha256;
    }

    /// <summary>Gets the SHA-256 recorded when the object was written.</summary>
    public string? ExpectedSha256 { get; }

    /// <summary>Gets the SHA-256 of the bytes read.</summary>
    public string? ActualSha256 { get; }
}
