using Amazon.Runtime;

namespace Inknowing.DbResilience.S3;

/// <summary>Where and how <see cref="S3StorageProvider"/> stores objects: bucket, prefix, endpoint, upload and retry settings.</summary>
public sealed class S3StorageOptions
{
    /// <summary>The smallest part size S3 accepts for every part but the last: 5 MiB.</summary>
    public const int MinimumPartSize = 5 * 1024 * 1024;

    /// <summary>Gets or sets the bucket. The default value is <see langword="null"/>; it must be set.</summary>
    public string? BucketName { get; set; }

    /// <summary>
    /// Gets or sets the key prefix under which every object is stored, for example <c>prod/app-db</c>; keys cannot escape it.
    /// The default value is the empty string: the bucket's root.
    /// </summary>
    public string Prefix { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets the region, for example <c>eu-west-1</c>. The default value is <see langword="null"/>: the standard AWS chain
    /// (AWS_REGION, the profile), or <c>us-east-1</c> for signing when <see cref="ServiceUrl"/> is set.
    /// </summary>
    public string? Region { get; set; }

    /// <summary>
    /// Gets or sets the endpoint of an S3-compatible store, for example <c>http://127.0.0.1:9000</c>.
    /// The default value is <see langword="null"/>: AWS S3 in <see cref="Region"/>.
    /// </summary>
    public Uri? ServiceUrl { get; set; }

    /// <summary>Gets or sets a value indicating whether to address buckets in the path (<c>host/bucket/key</c>), as most S3-compatible stores need. The default value is <see langword="false"/>.</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether to talk to stores that reject the newer AWS SDK defaults: checksums only
    /// when required (<c>RequestChecksumCalculation</c> and <c>ResponseChecksumValidation</c> = WHEN_REQUIRED) and no
    /// aws-chunked bodies on PutObject and UploadPart. Needed by s3rver and many older S3-compatible stores, which otherwise
    /// store the chunk signatures inside the data. The default value is <see langword="false"/> (AWS and current stores).
    /// </summary>
    public bool CompatibilityMode { get; set; }

    /// <summary>
    /// Gets or sets the credentials. The default value is <see langword="null"/>: the standard AWS chain (AWS_ACCESS_KEY_ID and
    /// AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity, the instance or container role).
    /// </summary>
    public AWSCredentials? Credentials { get; set; }

    /// <summary>
    /// Gets or sets the size of each multipart-upload part in bytes (at least 5 MiB). An upload holds two parts in memory;
    /// objects up to twice this size (a 16 MiB WAL segment with the default) are sent with one PutObject. After 1,000 parts
    /// the part size doubles every 1,000 parts (up to 1 GiB), so that objects of up to about 3.9 TiB fit in S3's 10,000 parts:
    /// memory stays at two parts of this size for objects up to 1,000 parts (7.8 GiB with the default) and grows with larger
    /// ones. The default value is 8 MiB.
    /// </summary>
    public int PartSize { get; set; } = DefaultPartSize;

    /// <summary>The default <see cref="PartSize"/>: 8 MiB.</summary>
    public const int DefaultPartSize = 8 * 1024 * 1024;

    /// <summary>Gets or sets the number of keys asked for per listing page (1 to 1000). The default value is 1000.</summary>
    public int ListPageSize { get; set; } = 1000;

    /// <summary>Gets or sets the server-side encryption, for example <c>AES256</c> or <c>aws:kms</c>. The default value is <see langword="null"/>: the bucket's default.</summary>
    public string? ServerSideEncryption { get; set; }

    /// <summary>Gets or sets the KMS key id when <see cref="ServerSideEncryption"/> is <c>aws:kms</c>. The default value is <see langword="null"/>: the account's default key.</summary>
    public string? KmsKeyId { get; set; }

    /// <summary>
    /// Gets or sets the storage class of new objects, for example <c>STANDARD_IA</c> or <c>GLACIER_IR</c>; give each backup tier
    /// its own storage (and class) with <c>AddS3Storage</c>. The default value is <see langword="null"/>: the bucket's default (STANDARD).
    /// </summary>
    public string? StorageClass { get; set; }

    /// <summary>Gets or sets how many times a request that failed transiently (5xx, throttling, a dropped connection) is tried again. The default value is 4.</summary>
    public int MaxRetryAttempts { get; set; } = 4;

    /// <summary>Gets or sets the first delay before trying again; it doubles each time, with jitter. The default value is 500 milliseconds.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Gets or sets the timeout of one HTTP request, and the longest a download waits for its next bytes (a stalled download then
    /// fails with a transient <see cref="Storage.StorageException"/> instead of hanging). The default value is 5 minutes.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Lists every problem with these options, each naming the property to fix; empty when they are valid.</summary>
    /// <returns>The problems.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(BucketName))
        {
            problems.Add("BucketName is not set: give the bucket, for example o.BucketName = \"my-backups\".");
        }

        if (!Storage.StorageKey.IsValid(Prefix.Trim('/')) && Prefix.Trim('/').Length > 0)
        {
            problems.Add($"Prefix '{Prefix}' is not a valid relative key prefix (no '..', backslashes or control characters).");
        }

        if (ServiceUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            problems.Add($"ServiceUrl '{url}' is not an absolute http:// or https:// URL.");
        }

        if (PartSize < MinimumPartSize)
        {
            problems.Add($"PartSize {PartSize} is below the S3 minimum of {MinimumPartSize} bytes (5 MiB).");
        }

        if (ListPageSize is < 1 or > 1000)
        {
            problems.Add($"ListPageSize {ListPageSize} is outside 1..1000.");
        }

        if (MaxRetryAttempts is < 0 or > 20)
        {
            problems.Add($"MaxRetryAttempts {MaxRetryAttempts} is outside 0..20.");
        }

        if (RetryDelay < TimeSpan.Zero || RequestTimeout <= TimeSpan.Zero)
        {
            problems.Add("RetryDelay must not be negative and RequestTimeout must be positive.");
        }

        if (KmsKeyId is not null && !string.Equals(ServerSideEncryption, "aws:kms", StringComparison.Ordinal))
        {
            problems.Add("KmsKeyId is set but ServerSideEncryption is not \"aws:kms\".");
        }

        return problems;
    }

    /// <summary>Copies these options.</summary>
    /// <returns>A copy.</returns>
    internal S3StorageOptions Clone() => (S3StorageOptions)MemberwiseClone();
}
