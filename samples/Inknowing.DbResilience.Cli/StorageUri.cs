using System.Globalization;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Inknowing.DbResilience.Azure;
using Inknowing.DbResilience.Azure.DependencyInjection;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.S3;
using Inknowing.DbResilience.S3.DependencyInjection;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.Cli;

/// <summary>
/// One <c>--storage</c> value: <c>file:///abs/path</c>, or
/// <c>s3://bucket/prefix?endpoint=http://127.0.0.1:PORT&amp;region=us-east-1&amp;pathStyle=true</c>
/// (also <c>compatibility</c>, <c>partSizeMiB</c>, <c>storageClass</c>), or
/// <c>azblob://container/prefix?endpoint=http://127.0.0.1:PORT/devstoreaccount1</c> (also <c>blockSizeMiB</c>; credentials from
/// AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY, never from the URI).
/// </summary>
internal sealed record StorageUri
{
    public required string Scheme { get; init; }

    /// <summary>Gets the absolute directory of a <c>file://</c> storage.</summary>
    public string? Path { get; init; }

    public string? Bucket { get; init; }

    public string? Prefix { get; init; }

    public Uri? Endpoint { get; init; }

    public string? Region { get; init; }

    public bool PathStyle { get; init; }

    public bool Compatibility { get; init; }

    /// <summary>Gets the multipart part size in MiB, or <see langword="null"/> for the provider's default.</summary>
    public int? PartSizeMiB { get; init; }

    /// <summary>Gets the S3 storage class of new objects (for example STANDARD_IA), or <see langword="null"/> for the bucket's default.</summary>
    public string? StorageClass { get; init; }

    /// <summary>The environment variable holding an Azure Storage connection string.</summary>
    public const string AzureConnectionStringVariable = "AZURE_STORAGE_CONNECTION_STRING";

    /// <summary>The environment variable holding an Azure Storage account name (with <see cref="AzureKeyVariable"/>).</summary>
    public const string AzureAccountVariable = "AZURE_STORAGE_ACCOUNT";

    /// <summary>The environment variable holding an Azure Storage account key (with <see cref="AzureAccountVariable"/>).</summary>
    public const string AzureKeyVariable = "AZURE_STORAGE_KEY";

    /// <summary>Gets the Azure block size in MiB, or <see langword="null"/> for the provider's default.</summary>
    public int? BlockSizeMiB { get; init; }

    /// <summary>Adds this storage to a builder: the first as the primary (<c>Use*Storage</c>), the others as copies (<c>Add*Storage</c>).</summary>
    public DbResilienceBuilder AddTo(DbResilienceBuilder builder, bool primary) => (Scheme, primary) switch
    {
        ("file", true) => builder.UseFileSystemStorage(Path!),
        ("file", false) => builder.AddFileSystemStorage(Path!),
        ("azblob", true) => builder.UseAzureBlobStorage(Configure),
        ("azblob", false) => builder.AddAzureBlobStorage(Configure),
        (_, true) => builder.UseS3Storage(Configure),
        _ => builder.AddS3Storage(Configure),
    };

    /// <summary>Creates the provider directly, for the verbs that work on storages without a database.</summary>
    /// <exception cref="DbResilienceConfigurationException">The S3 or Azure settings are not valid.</exception>
    public IStorageProvider CreateProvider()
    {
        if (Scheme == "file")
        {
            return new FileSystemStorageProvider(Path!);
        }

        if (Scheme == "azblob")
        {
            var azure = new AzureBlobStorageOptions();
            Configure(azure);
            return new AzureBlobStorageProvider(azure);
        }

        var options = new S3StorageOptions();
        Configure(options);
        return new S3StorageProvider(options);
    }

    /// <summary>Sets S3 options from this URI; credentials come from the standard AWS chain (AWS_ACCESS_KEY_ID, AWS_PROFILE, roles).</summary>
    /// <exception cref="DbResilienceConfigurationException">The AWS chain finds no credentials (a usage error, exit 2).</exception>
    public void Configure(S3StorageOptions options)
    {
        try
        {
            // Resolved once, here: a missing credential is a configuration to fix, not a storage operation that failed.
            options.Credentials = DefaultAWSCredentialsIdentityResolver.GetCredentials(null);
        }
        catch (AmazonClientException)
        {
            throw new DbResilienceConfigurationException(
                $"S3 storage s3://{Bucket}/{Prefix}: no AWS credentials were found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                + "(and AWS_SESSION_TOKEN for temporary ones) in the environment, or AWS_PROFILE naming a profile of ~/.aws/credentials, or run where an instance or container role applies.");
        }

        options.BucketName = Bucket;
        options.Prefix = Prefix ?? string.Empty;
        options.ServiceUrl = Endpoint;
        options.Region = Region;
        options.ForcePathStyle = PathStyle;
        options.CompatibilityMode = Compatibility;
        if (PartSizeMiB is { } partSize)
        {
            options.PartSize = partSize * 1024 * 1024;
        }

        options.StorageClass = StorageClass;
    }

    /// <summary>
    /// Sets Azure Blob options from this URI; credentials come from AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT and
    /// AZURE_STORAGE_KEY (the endpoint then defaults to https://ACCOUNT.blob.core.windows.net).
    /// </summary>
    public void Configure(AzureBlobStorageOptions options)
    {
        options.ContainerName = Bucket;
        options.Prefix = Prefix ?? string.Empty;
        var connectionString = Environment.GetEnvironmentVariable(AzureConnectionStringVariable);
        if (!string.IsNullOrEmpty(connectionString))
        {
            options.ConnectionString = connectionString;
        }
        else
        {
            options.ServiceUri = Endpoint;
            options.AccountName = NullIfEmpty(Environment.GetEnvironmentVariable(AzureAccountVariable));
            options.AccountKey = NullIfEmpty(Environment.GetEnvironmentVariable(AzureKeyVariable));
        }

        if (BlockSizeMiB is { } blockSize)
        {
            options.BlockSize = blockSize * 1024 * 1024;
        }
    }

    /// <summary>Parses a value, or throws with a message that names it and shows the accepted forms.</summary>
    /// <exception cref="DbResilienceConfigurationException">The value is not a storage URI this tool understands.</exception>
    public static StorageUri Parse(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            throw Invalid(value, "it is not an absolute URI");
        }

        switch (uri.Scheme)
        {
            case "file":
                if (!string.IsNullOrEmpty(uri.Host) || !System.IO.Path.IsPathRooted(uri.LocalPath))
                {
                    throw Invalid(value, "a file storage needs an absolute path with three slashes, as in file:///var/backups");
                }

                return new StorageUri { Scheme = "file", Path = uri.LocalPath };

            case "s3":
                if (string.IsNullOrEmpty(uri.Host))
                {
                    throw Invalid(value, "an S3 storage needs a bucket, as in s3://my-bucket/prefix");
                }

                if (!string.IsNullOrEmpty(uri.UserInfo))
                {
                    throw Invalid("s3://***@" + uri.Host, "credentials do not belong in the URI: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
                }

                var query = ParseQuery(uri.Query, value);
                Uri? endpoint = null;
                if (query.TryGetValue("endpoint", out var endpointText)
                    && (!Uri.TryCreate(endpointText, UriKind.Absolute, out endpoint) || (endpoint.Scheme != "http" && endpoint.Scheme != "https")))
                {
                    throw Invalid(value, $"endpoint '{endpointText}' is not an http:// or https:// URL");
                }

                return new StorageUri
                {
                    Scheme = "s3",
                    Bucket = uri.Host,
                    Prefix = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/')),
                    Endpoint = endpoint,
                    Region = query.GetValueOrDefault("region"),
                    PathStyle = ParseBool(query, "pathStyle", value),
                    Compatibility = ParseBool(query, "compatibility", value),
                    PartSizeMiB = ParsePartSize(query, value),
                    StorageClass = query.GetValueOrDefault("storageClass"),
                };

            case "azblob":
                return ParseAzure(uri);

            default:
                throw Invalid(value, $"the scheme '{uri.Scheme}' is not supported");
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static StorageUri ParseAzure(Uri uri)
    {
        // Messages show the URI without its query or user information: a SAS token or key there must not be echoed.
        var shown = "azblob://" + uri.Host + uri.AbsolutePath;
        const string CredentialsFix = "credentials do not belong in the URI: set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY";
        if (string.IsNullOrEmpty(uri.Host))
        {
            throw Invalid(shown, "an Azure Blob storage needs a container, as in azblob://my-container/prefix");
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            throw Invalid("azblob://***@" + uri.Host, CredentialsFix);
        }

        var query = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            var name = Uri.UnescapeDataString(parts[0]);
            if (name is not ("endpoint" or "blockSizeMiB"))
            {
                throw Invalid(shown + "?...", name is "sig" or "sv" or "se" or "sp" or "accountKey" or "key" or "connectionString"
                    ? CredentialsFix
                    : $"the parameter '{name}' is unknown (known: endpoint, blockSizeMiB)");
            }

            query[name] = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : string.Empty;
        }

        Uri? endpoint = null;
        if (query.TryGetValue("endpoint", out var endpointText)
            && (!Uri.TryCreate(endpointText, UriKind.Absolute, out endpoint) || (endpoint.Scheme != "http" && endpoint.Scheme != "https")
                || endpoint.Query.Length > 0 || endpoint.UserInfo.Length > 0))
        {
            throw Invalid(shown + "?...", "endpoint is not a bare http:// or https:// URL of the account, as in https://ACCOUNT.blob.core.windows.net");
        }

        int? blockSize = null;
        if (query.TryGetValue("blockSizeMiB", out var blockText))
        {
            blockSize = int.TryParse(blockText, NumberStyles.None, CultureInfo.InvariantCulture, out var megabytes) && megabytes is >= 1 and <= 1024
                ? megabytes
                : throw Invalid(shown + "?...", $"blockSizeMiB='{blockText}' is not a whole number of MiB from 1 to 1024");
        }

        return new StorageUri
        {
            Scheme = "azblob",
            Bucket = uri.Host,
            Prefix = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/')),
            Endpoint = endpoint,
            BlockSizeMiB = blockSize,
        };
    }

    private static Dictionary<string, string> ParseQuery(string query, string value)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            var name = Uri.UnescapeDataString(parts[0]);
            if (name is not ("endpoint" or "region" or "pathStyle" or "compatibility" or "partSizeMiB" or "storageClass"))
            {
                throw Invalid(value, $"the parameter '{name}' is unknown (known: endpoint, region, pathStyle, compatibility, partSizeMiB, storageClass)");
            }

            result[name] = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "true";
        }

        return result;
    }

    private static int? ParsePartSize(Dictionary<string, string> query, string value)
    {
        if (!query.TryGetValue("partSizeMiB", out var text))
        {
            return null;
        }

        // S3 needs parts of at least 5 MiB, and 2 GiB keeps the byte count in an int.
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var megabytes) && megabytes is >= 5 and <= 2047
            ? megabytes
            : throw Invalid(value, $"partSizeMiB='{text}' is not a whole number of MiB from 5 to 2047");
    }

    private static bool ParseBool(Dictionary<string, string> query, string name, string value)
    {
        if (!query.TryGetValue(name, out var text))
        {
            return false;
        }

        return bool.TryParse(text, out var result)
            ? result
            : throw Invalid(value, string.Create(CultureInfo.InvariantCulture, $"{name}='{text}' is not true or false"));
    }

    private static DbResilienceConfigurationException Invalid(string value, string reason)
        => new($"--storage '{value}' is not valid: {reason}. Use file:///abs/path or "
            + "s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1&pathStyle=true or "
            + "azblob://container/prefix?endpoint=https://ACCOUNT.blob.core.windows.net.");
}
