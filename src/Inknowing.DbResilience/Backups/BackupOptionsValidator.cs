using System.Text.RegularExpressions;
using Inknowing.DbResilience.Encryption;
using Microsoft.Extensions.Options;

namespace Inknowing.DbResilience.Backups;

/// <summary>Checks <see cref="BackupOptions"/> at start-up, naming the setting that fixes each problem.</summary>
internal sealed partial class BackupOptionsValidator : IValidateOptions<BackupOptions>
{
    public ValidateOptionsResult Validate(string? name, BackupOptions options)
    {
        var errors = new List<string>();
        errors.AddRange(ValidateContent(options.Tier, options.Format, options.Compression, options.SchemaOnly, options.DataOnly, options.Jobs, "BackupOptions."));
        if (options.Encrypt)
        {
            try
            {
                if (options.ResolveEncryptionKey() is null)
                {
                    errors.Add($"BackupOptions.Encrypt is on but there is no key: set BackupOptions.EncryptionKey or the {BackupOptions.EncryptionKeyVariable} environment variable to base64 of 32 random bytes (openssl rand -base64 32).");
                }
            }
            catch (ArgumentException ex)
            {
                errors.Add($"The backup encryption key (BackupOptions.EncryptionKey or {BackupOptions.EncryptionKeyVariable}) is invalid: {ex.Message}");
            }
        }

        if (options.DecryptionKeys.Any(k => !IsKey(k)))
        {
            errors.Add("A key in BackupOptions.DecryptionKeys is not base64 of 32 bytes.");
        }

        if (options.EncryptionChunkSize is < 1024 or > 16 * 1024 * 1024)
        {
            errors.Add("BackupOptions.EncryptionChunkSize must be between 1 KiB and 16 MiB.");
        }

        errors.AddRange(options.Retention.Validate());
        if (!IdentifierPattern().IsMatch(options.CatalogTable))
        {
            errors.Add($"BackupOptions.CatalogTable '{options.CatalogTable}' must be a plain identifier (letters, digits, underscores).");
        }

        if (options.ArchiveCompressionLevel is < 0 or > 9)
        {
            errors.Add($"BackupOptions.ArchiveCompressionLevel {options.ArchiveCompressionLevel} must be 0 (pg_dump compresses) or a zlib level from 1 to 9.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Checks the options of one backup, from the options or a request.</summary>
    public static IEnumerable<string> ValidateContent(string tier, BackupFormat format, BackupCompression compression, bool schemaOnly, bool dataOnly, int jobs, string prefix)
    {
        if (!TierPattern().IsMatch(tier ?? string.Empty))
        {
            yield return $"{prefix}Tier '{tier}' must be lowercase letters, digits and underscores, such as daily, weekly, monthly or manual.";
        }

        if (format == BackupFormat.Tar)
        {
            yield return $"{prefix}Format Tar is the format of base backups (pg_basebackup): choose Custom, Directory or Plain for a logical backup, or take a base backup (dbresilience basebackup).";
        }

        if (schemaOnly && dataOnly)
        {
            yield return $"{prefix}SchemaOnly and {prefix}DataOnly cannot both be set: choose one (or neither for a full backup).";
        }

        if (jobs < 1)
        {
            yield return $"{prefix}Jobs must be at least 1.";
        }

        if (format == BackupFormat.Custom && compression != BackupCompression.None)
        {
            yield return $"{prefix}Compression {compression} does not apply to the custom format, which pg_dump compresses itself: use None, or the plain format.";
        }
    }

    private static bool IsKey(string text)
    {
        try
        {
            _ = BackupEncryptionKey.FromBase64(text);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [GeneratedRegex("^[a-z0-9_]+$", RegexOptions.CultureInvariant)]
    private static partial Regex TierPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdentifierPattern();
}
