namespace Inknowing.DbResilience.Encryption;

/// <summary>
/// Thrown when an encrypted backup cannot be decrypted: the key is missing or wrong, or the bytes were altered,
/// truncated or reordered. The message names the key id needed, never a key.
/// </summary>
public sealed class BackupEncryptionException : DbResilienceException
{
    /// <summary>Initializes a new instance of the <see cref="BackupEncryptionException"/> class.</summary>
    public BackupEncryptionException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BackupEncryptionException"/> class with a message.</summary>
    /// <param name="message">What failed and what to do.</param>
    public BackupEncryptionException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BackupEncryptionException"/> class with a message and a cause.</summary>
    /// <param name="message">What failed and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public BackupEncryptionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
