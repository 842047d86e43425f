using DragVideo.Editing.Fast;
using DragVideo.Studio.Api;
using DragVideo.Studio.Engine;

namespace DragVideo.Studio.Tests;

public class FastOptionsTests
{
    [Theory]
    [InlineData("stretch", FastDeformationMode.Stretch)]
    [InlineData("move", FastDeformationMode.Move)]
    public void The_pages_deform_selector_maps_onto_the_fast_backends_mode(string deform, FastDeformationMode mode)
    {
        var p = new EditParamsDto(Deform: deform);
        p.Invoking(x => x.Validate()).Should().NotThrow();
        SdkStudioEngine.FastOptions(p).Mode.Should().Be(mode);
    }

    [Fact]
    public void The_default_deform_mode_is_stretch() => new EditParamsDto().Deform.Should().Be("stretch");

    [Fact]
    public void An_unknown_deform_mode_is_refused_naming_the_field()
    {
        var act = () => new EditParamsDto(Deform: "melt").Validate();
        act.Should().Throw<StudioApiException>().Which.Field.Should().Be("params.deform");
    }
}
