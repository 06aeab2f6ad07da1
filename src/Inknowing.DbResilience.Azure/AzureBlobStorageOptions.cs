using Azure.Core;
using Azure.Storage.Blobs;

namespace Inknowing.DbResilience.Azure;

/// <summary>
/// Where and how <see cref="AzureBlobStorageProvider"/> stores blobs: container, prefix, account endpoint, credentials, block and
/// retry settings.
/// </summary>
/// <remarks>
/// Give exactly one credential: <see cref="ConnectionString"/>, or <see cref="AccountName"/> with <see cref="AccountKey"/>, or
/// <see cref="Credential"/> with <see cref="ServiceUri"/>. Credentials never appear in names, logs or exception messages.
/// </remarks>
public sealed class AzureBlobStorageOptions
{
    /// <summary>The default <see cref="BlockSize"/>: 8 MiB.</summary>
    public const int DefaultBlockSize = 8 * 1024 * 1024;

    /// <summary>The smallest <see cref="BlockSize"/> accepted: 1 MiB.</summary>
    public const int MinimumBlockSize = 1024 * 1024;

    /// <summary>The largest <see cref="BlockSize"/> accepted: 1 GiB (one array per buffer).</summary>
    public const int MaximumBlockSize = 1024 * 1024 * 1024;

    /// <summary>Gets or sets the container. The default value is <see langword="null"/>; it must be set.</summary>
    public string? ContainerName { get; set; }

    /// <summary>
    /// Gets or sets the blob name prefix under which every object is stored, for example <c>prod/app-db</c>; keys cannot escape it.
    /// The default value is the empty string: the container's root.
    /// </summary>
    public string Prefix { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets the account's blob endpoint, for example <c>https://myaccount.blob.core.windows.net</c> or, for Azurite,
    /// <c>http://127.0.0.1:10000/devstoreaccount1</c>. Required with <see cref="Credential"/>; with <see cref="AccountName"/> the
    /// default value <see langword="null"/> means <c>https://ACCOUNT.blob.core.windows.net</c>; unused with a connection string.
    /// </summary>
    public Uri? ServiceUri { get; set; }

    /// <summary>
    /// Gets or sets an Azure Storage connection string (a secret: read it from the environment or a secret store, never from a
    /// file in source control). The default value is <see langword="null"/>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets the storage account name, used with <see cref="AccountKey"/>. The default value is <see langword="null"/>.</summary>
    public string? AccountName { get; set; }

    /// <summary>Gets or sets the storage account key (a secret, base64), used with <see cref="AccountName"/>. The default value is <see langword="null"/>.</summary>
    public string? AccountKey { get; set; }

    /// <summary>
    /// Gets or sets a token credential (for example <c>DefaultAzureCredential</c> or a managed identity from Azure.Identity), used
    /// with <see cref="ServiceUri"/>. The default value is <see langword="null"/>.
    /// </summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>
    /// Gets or sets the size of each staged block in bytes (1 MiB to 1 GiB). A write holds two blocks in memory; an object smaller
    /// than one block goes up with one Put Blob request. After 10,000 blocks the block size doubles every 10,000 blocks, so that an
    /// object of any size fits in Azure's 50,000 blocks. The default value is 8 MiB.
    /// </summary>
    public int BlockSize { get; set; } = DefaultBlockSize;

    /// <summary>Gets or sets the number of blobs asked for per listing page (1 to 5000). The default value is 1000.</summary>
    public int ListPageSize { get; set; } = 1000;

    /// <summary>Gets or sets how many times a request that failed transiently (5xx, throttling, a dropped connection, a timeout) is tried again. The default value is 4.</summary>
    public int MaxRetryAttempts { get; set; } = 4;

    /// <summary>Gets or sets the first delay before trying again; it doubles each time, with jitter. The default value is 500 milliseconds.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Gets or sets the timeout of one HTTP request, and the longest a download waits for its next bytes. The default value is
    /// 5 minutes.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Lists every problem with these options, each naming the property to fix; empty when they are valid. Never echoes a secret.</summary>
    /// <returns>The problems.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(ContainerName))
        {
            problems.Add("ContainerName is not set: give the container, for example o.ContainerName = \"backups\".");
        }
        else if (!IsValidContainerName(ContainerName))
        {
            problems.Add($"ContainerName '{ContainerName}' is not a valid container name: 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit.");
        }

        var prefix = Prefix.Trim('/');
        if (prefix.Length > 0 && !Storage.StorageKey.IsValid(prefix))
        {
            problems.Add($"Prefix '{Prefix}' is not a valid relative key prefix (no '..', backslashes or control characters).");
        }

        if (ServiceUri is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            problems.Add($"ServiceUri '{url}' is not an absolute http:// or https:// URL.");
        }

        if (ServiceUri is { IsAbsoluteUri: true } withSecret && (withSecret.Query.Length > 0 || withSecret.UserInfo.Length > 0))
        {
            problems.Add("ServiceUri carries a query or user information (a SAS token or a password?): give the bare endpoint and the credential in ConnectionString, AccountKey or Credential.");
        }

        var sources = (ConnectionString is null ? 0 : 1) + (AccountName is null && AccountKey is null ? 0 : 1) + (Credential is null ? 0 : 1);
        if (sources != 1)
        {
            problems.Add(sources == 0
                ? "No credential is set: set ConnectionString, or AccountName and AccountKey, or Credential with ServiceUri (CLI: AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY)."
                : "More than one credential is set: set only one of ConnectionString, AccountName with AccountKey, or Credential.");
        }

        if (ConnectionString is not null && !IsValidConnectionString(ConnectionString))
        {
            problems.Add("ConnectionString is not a valid Azure Storage connection string (its value is not shown): copy it again from the portal's Access keys page, or use AccountName and AccountKey.");
        }

        if ((AccountName is null) != (AccountKey is null))
        {
            problems.Add(AccountName is null ? "AccountKey is set without AccountName: set both." : "AccountName is set without AccountKey: set both, or use Credential.");
        }

        if (AccountKey is not null && !IsBase64(AccountKey))
        {
            problems.Add("AccountKey is not base64 (its value is not shown): copy the key again from the portal's Access keys page.");
        }

        if (Credential is not null && ServiceUri is null)
        {
            problems.Add("Credential is set without ServiceUri: set o.ServiceUri = new Uri(\"https://ACCOUNT.blob.core.windows.net\").");
        }

        if (BlockSize is < MinimumBlockSize or > MaximumBlockSize)
        {
            problems.Add($"BlockSize {BlockSize} is outside {MinimumBlockSize}..{MaximumBlockSize} bytes (1 MiB to 1 GiB).");
        }

        if (ListPageSize is < 1 or > 5000)
        {
            problems.Add($"ListPageSize {ListPageSize} is outside 1..5000.");
        }

        if (MaxRetryAttempts is < 0 or > 20)
        {
            problems.Add($"MaxRetryAttempts {MaxRetryAttempts} is outside 0..20.");
        }

        if (RetryDelay < TimeSpan.Zero || RequestTimeout <= TimeSpan.Zero)
        {
            problems.Add("RetryDelay must not be negative and RequestTimeout must be positive.");
        }

        return problems;
    }

    /// <summary>Copies these options.</summary>
    /// <returns>A copy.</returns>
    internal AzureBlobStorageOptions Clone() => (AzureBlobStorageOptions)MemberwiseClone();

    private static bool IsValidContainerName(string name)
        => name.Length is >= 3 and <= 63
            && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            && name[0] != '-' && name[^1] != '-' && !name.Contains("--", StringComparison.Ordinal);

    private static bool IsBase64(string value)
    {
        var buffer = new byte[value.Length];
        return value.Length > 0 && Convert.TryFromBase64String(value, buffer, out _);
    }

    private static bool IsValidConnectionString(string value)
    {
        try
        {
            _ = new BlobServiceClient(value);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
