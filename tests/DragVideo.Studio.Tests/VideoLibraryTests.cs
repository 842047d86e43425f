using DragVideo.Studio.Clips;
using DragVideo.Studio.Sessions;

namespace DragVideo.Studio.Tests;

public sealed class VideoLibraryTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "studio-lib-" + Ids.New());
    private readonly string _outside = Path.Combine(Path.GetTempPath(), "studio-out-" + Ids.New() + ".mp4");

    public VideoLibraryTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "sub"));
        File.WriteAllText(Path.Combine(_dir, "b.mp4"), "x");
        File.WriteAllText(Path.Combine(_dir, "a.AVI"), "xy");
        File.WriteAllText(Path.Combine(_dir, "notes.txt"), "x");
        File.WriteAllText(Path.Combine(_dir, "sub", "deep.mp4"), "x");
        File.WriteAllText(_outside, "x");
        File.CreateSymbolicLink(Path.Combine(_dir, "link.mp4"), _outside);
    }

    public void Dispose()
    {
        Directory.Delete(_dir, true);
        File.Delete(_outside);
    }

    [Fact]
    public void Lists_only_regular_video_files_at_the_top_level()
    {
        var lib = new VideoLibrary(_dir);
        lib.List().Select(f => (f.Name, f.Bytes)).Should().Equal(("a.AVI", 2L), ("b.mp4", 1L));
    }

    [Theory]
    [InlineData("../b.mp4")]
    [InlineData("sub/deep.mp4")]
    [InlineData("link.mp4")]
    [InlineData("notes.txt")]
    [InlineData("B.MP4")]
    [InlineData("")]
    [InlineData(null)]
    public void Names_not_in_the_listing_resolve_to_nothing(string? name) =>
        new VideoLibrary(_dir).Resolve(name).Should().BeNull();

    [Fact]
    public void A_listed_name_resolves_to_its_file_and_no_folder_means_no_library()
    {
        new VideoLibrary(_dir).Resolve("b.mp4").Should().Be(Path.Combine(_dir, "b.mp4"));
        var none = new VideoLibrary(null);
        none.IsEnabled.Should().BeFalse();
        none.List().Should().BeEmpty();
    }
}
