using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Media.Tests;

public class ContactSheetTests
{
    [Fact]
    public void Original_row_sits_above_edited_row_with_evenly_spaced_frames()
    {
        using var original = TestClips.IndexCoded(10, 8, 6, 6);
        using var edited = new VideoClip(1 - original.Frames.clone(), 6);
        using var sheet = ContactSheet.Render(original, edited, 4, spacing: 2);
        sheet.shape.Should().Equal(3, 6 * 2 + 2, 8 * 4 + 2 * 3);
        int[] expectedFrames = { 0, 3, 6, 9 };
        for (int i = 0; i < 4; i++)
        {
            int x = i * 10;
            float top = sheet[0, 3, x + 4].ToSingle(), bottom = sheet[0, 8 + 3, x + 4].ToSingle();
            top.Should().BeApproximately((8 * expectedFrames[i] + 4) / 255f, 1e-6f);
            bottom.Should().BeApproximately(1 - (8 * expectedFrames[i] + 4) / 255f, 1e-6f);
        }
        sheet[.., 6..8, ..].min().ToSingle().Should().Be(1, "white gap between rows");
        sheet[.., .., 8..10].min().ToSingle().Should().Be(1, "white gap between columns");
    }

    [Fact]
    public void Single_row_without_edit_and_frame_count_capped_at_clip_length()
    {
        using var original = TestClips.IndexCoded(3, 8, 6, 6);
        using var sheet = ContactSheet.Render(original, null, 5, spacing: 0);
        sheet.shape.Should().Equal(3, 6, 24);
    }

    [Fact]
    public void Clips_of_different_size_are_rejected()
    {
        using var a = TestClips.IndexCoded(3, 8, 6, 6);
        using var b = TestClips.IndexCoded(3, 8, 8, 6);
        FluentActions.Invoking(() => ContactSheet.Render(a, b, 3)).Should().Throw<ArgumentException>().Which.ParamName.Should().Be("edited");
    }
}
