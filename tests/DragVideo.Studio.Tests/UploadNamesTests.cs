using DragVideo.Studio.Clips;
using DragVideo.Studio.Sessions;

namespace DragVideo.Studio.Tests;

public class UploadNamesTests
{
    [Theory]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData(@"C:\Users\me\clip.mp4", "clip.mp4")]
    [InlineData("dir/sub/walk.avi", "walk.avi")]
    [InlineData("a\u0000b\u0007c.mp4", "abc.mp4")]
    [InlineData("  my   holiday\tclip .mp4 ", "my holiday clip .mp4")]
    [InlineData("..", "upload")]
    [InlineData("", "upload")]
    [InlineData(null, "upload")]
    [InlineData("/", "upload")]
    [InlineData("\u202Egnp.exe", "gnp.exe")]
    public void Display_names_keep_only_the_printable_last_segment(string? input, string expected) =>
        UploadNames.ToDisplayName(input).Should().Be(expected);

    [Fact]
    public void Display_names_are_capped_in_length()
    {
        UploadNames.ToDisplayName(new string('x', 500) + ".mp4").Length.Should().Be(UploadNames.MaxLength);
    }

    [Fact]
    public void Ids_are_random_hex_and_anything_else_is_not_an_id()
    {
        var a = Ids.New();
        var b = Ids.New();
        Ids.IsWellFormed(a).Should().BeTrue();
        a.Should().NotBe(b);
        Ids.IsWellFormed("../../etc/passwd").Should().BeFalse();
        Ids.IsWellFormed("0123456789ABCDEF").Should().BeFalse();
        Ids.IsWellFormed("0123456789abcde").Should().BeFalse();
        Ids.IsWellFormed(null).Should().BeFalse();
    }
}
