using System.Text;
using Inknowing.DbResilience.Backups;

namespace Inknowing.DbResilience.Tests.Backups;

public sealed class ManifestSealTests
{
    private static readonly byte[] Json = Encoding.UTF8.GetBytes("{\n  \"formatVersion\": 2,\n  \"id\": \"20261121T020000Z-daily-3f9a\",\n  \"tables\": [{\"rows\": 10}]\n}");

    [Test]
    public void Check_SealedJson_PassesAndStaysValidJson()
    {
        var sealedJson = ManifestSeal.Seal(Json);

        ManifestSeal.Check(sealedJson, out var isSealed).Should().BeNull();
        isSealed.Should().BeTrue();
        using var document = System.Text.Json.JsonDocument.Parse(sealedJson);
        document.RootElement.GetProperty("manifestSha256").GetString().Should().MatchRegex("^[0-9a-f]{64}$");
        document.RootElement.GetProperty("id").GetString().Should().Be("20261121T020000Z-daily-3f9a");
    }

    [Test]
    public void Check_EveryByteFlipped_IsReported()
    {
        var sealedJson = ManifestSeal.Seal(Json);
        for (var offset = 0; offset < sealedJson.Length; offset++)
        {
            var damaged = (byte[])sealedJson.Clone();
            damaged[offset] ^= 0x01;

            var problem = ManifestSeal.Check(damaged, out var isSealed);

            (problem is not null || !isSealed).Should().BeTrue($"a flip at offset {offset} must not pass as sealed");
        }
    }

    [TestCase(1)]
    [TestCase(20)]
    public void Check_CutOrExtended_IsReported(int bytes)
    {
        var sealedJson = ManifestSeal.Seal(Json);

        ManifestSeal.Check(sealedJson.AsSpan(0, sealedJson.Length - bytes), out _).Should().NotBeNull();
        ManifestSeal.Check([.. sealedJson, .. new byte[bytes]], out _).Should().NotBeNull();
    }

    [Test]
    public void Check_EditedRowCount_SaysEditedOrDamaged()
    {
        var edited = Encoding.UTF8.GetString(ManifestSeal.Seal(Json)).Replace("\"rows\": 10", "\"rows\": 11", StringComparison.Ordinal);

        ManifestSeal.Check(Encoding.UTF8.GetBytes(edited), out _).Should().Contain("edited or damaged");
    }

    [Test]
    public void Check_OlderUnsealedManifest_IsNotSealedWithoutProblem()
    {
        ManifestSeal.Check(Json, out var isSealed).Should().BeNull();
        isSealed.Should().BeFalse();
    }
}
