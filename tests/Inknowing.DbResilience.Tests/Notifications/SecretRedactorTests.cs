using Inknowing.DbResilience.Notifications;

namespace Inknowing.DbResilience.Tests.Notifications;

public sealed class SecretRedactorTests
{
    [TestCase("Could not connect: Host=db.internal;Port=5432;Username=app;Password=hunter2;Database=shop", "hunter2", "db.internal")]
    [TestCase("pg_dump: connection to postgresql://app:hunter2@db.internal:5432/shop failed", "hunter2", "db.internal")]
    [TestCase("upload failed: https://backup:hunter2@s3.example.com/bucket", "hunter2", null)]
    [TestCase("PGPASSWORD=hunter2 was refused", "hunter2", null)]
    [TestCase("AWS_SECRET_ACCESS_KEY: hunter2", "hunter2", null)]
    [TestCase("password = 'hunter 2' is wrong", "hunter 2", null)]
    [TestCase("Storage 'azblob://c at https://acme.blob.core.windows.net/?sv=2021-08-06&sp=rl&sig=hunter2%2Bx%3D' refused", "hunter2", null)]
    [TestCase("GET https://acme.blob.core.windows.net/c?comp=list&SharedAccessSignature=sv%3D1%26sig%3Dhunter2 failed", "hunter2", null)]
    [TestCase("Storage refused: DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=hunter2+x/y==;EndpointSuffix=core.windows.net", "hunter2", null)]
    public void Redact_TextWithSecrets_LeavesNoneOfThem(string text, string secret, string? host)
    {
        var redacted = SecretRedactor.Redact(text);

        redacted.Should().NotContain(secret);
        if (host is not null)
        {
            redacted.Should().NotContain(host, "a connection string is removed whole");
        }
    }

    [Test]
    public void Redact_OrdinaryMessage_IsUnchanged()
    {
        const string text = "backup 20260301T020000Z-daily-3f9a failed: pg_dump exited with code 1 (no space left on device; x=1)";

        SecretRedactor.Redact(text).Should().Be(text);
    }
}
