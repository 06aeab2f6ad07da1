using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.Tests.Migrations;

public sealed class MigrationVersionTests
{
    [TestCase("2", "10")]
    [TestCase("1_2", "1_10")]
    [TestCase("1.9", "2")]
    [TestCase("1", "1_1")]
    [TestCase("99999999999999999999", "100000000000000000000")]
    public void CompareTo_NumericParts_OrdersNumerically(string smaller, string larger)
    {
        MigrationVersion.Parse(smaller).Should().BeLessThan(MigrationVersion.Parse(larger));
    }

    [TestCase("001", "1")]
    [TestCase("1_0", "1")]
    [TestCase("1_2", "1.2")]
    public void Equals_SameNumber_IsEqualWithCanonicalText(string a, string b)
    {
        MigrationVersion.Parse(a).Should().Be(MigrationVersion.Parse(b));
        MigrationVersion.Parse(a).ToString().Should().Be(MigrationVersion.Parse(b).ToString());
    }

    [TestCase("")]
    [TestCase("1a")]
    [TestCase("1__2")]
    [TestCase("_1")]
    [TestCase("-1")]
    public void TryParse_NotAVersion_ReturnsFalse(string text)
    {
        MigrationVersion.TryParse(text, out _).Should().BeFalse();
    }

    [Test]
    public void Parse_NotAVersion_ThrowsNamingTheText()
    {
        var act = () => MigrationVersion.Parse("abc");

        act.Should().Throw<FormatException>().WithMessage("*'abc'*");
    }
}
