namespace Inknowing.DbResilience.Backups;

/// <summary>One file of a backup, such as <c>data.dump</c>, as stored under <c>backups/&lt;id&gt;/</c> in every location.</summary>
/// <param name="Name">The file name, such as <c>data.dump</c>, <c>data.tar</c>, <c>data.sql</c> or <c>globals.sql</c>.</param>
/// <param name="Role"><c>data</c> for the database dump, <c>globals</c> for roles and tablespaces (<c>pg_dumpall --globals-only</c>).</param>
/// <param name="SizeBytes">The size of the stored bytes (after compression and encryption).</param>
/// <param name="Sha256">The SHA-256 of the stored bytes, lowercase hex: what verification checks each copy against.</param>
/// <param name="ContentSizeBytes">The size of the tool's output (before compression and encryption).</param>
/// <param name="ContentSha256">The SHA-256 of the tool's output, checked again after decryption and decompression.</param>
public sealed record BackupFile(string Name, string Role, long SizeBytes, string Sha256, long ContentSizeBytes, string ContentSha256);
