using DragVideo;
using DragVideo.Studio.Api;
using DragVideo.Studio.Engine;
using DragVideo.Studio.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.FileProviders;

StudioOptions? options;
try
{
    options = StudioCommandLine.Parse(args);
}
catch (StudioUsageException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    Console.Error.WriteLine(StudioCommandLine.Usage);
    return 2;
}
if (options is null)
{
    Console.WriteLine(StudioCommandLine.Usage);
    return 0;
}

string contentRoot = AppContext.BaseDirectory;
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    // The page lives next to the dll, so the app runs from any working directory. Our own parser reads the command
    // line; the configuration system is not handed the raw arguments.
    ContentRootPath = contentRoot,
    WebRootPath = Path.Combine(contentRoot, "wwwroot"),
    Args = Array.Empty<string>(),
});
builder.WebHost.UseUrls(options.Urls.ToArray());
bool loopbackOnly = StudioCommandLine.IsLoopbackOnly(options.Urls);
// The DNS-rebinding guard (loopback host names only) lives in ApiErrorMiddleware, so a foreign Host gets a JSON answer.
builder.WebHost.ConfigureKestrel(k =>
{
    // Every body is limited to the JSON size; the upload endpoint raises its own request's limit to the upload size.
    k.Limits.MaxRequestBodySize = options.MaxJsonBytes;
});
builder.Services.Configure<Microsoft.AspNetCore.Http.Features.FormOptions>(f =>
{
    f.MultipartBodyLengthLimit = options.MaxUploadBytes + 1024 * 1024;
    f.ValueCountLimit = 64;
});
// Bad JSON or a wrong content type surfaces as an exception the error middleware turns into a JSON 400 / 415.
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.ConfigureHttpJsonOptions(j =>
{
    j.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals;
    j.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
});
builder.Logging.SetMinimumLevel(LogLevel.Information);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

var app = builder.Build();
var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("DragVideo.Studio");
SdkStudioEngine engine;
try
{
    if (options.UsesDiffusion) logger.LogInformation("Loading the diffusion model from {Model} and {Motion} …", options.ModelPath, options.MotionPath);
    engine = SdkStudioEngine.Create(options, app.Services.GetRequiredService<ILoggerFactory>());
}
catch (Exception ex) when (ex is DragVideoException or ArgumentException or IOException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}
using var ownedEngine = engine;
StudioContext context;
try
{
    context = new StudioContext(options, engine, logger, loopbackOnly);
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}
using var studio = context;

app.UseMiddleware<ApiErrorMiddleware>(studio);
app.Use(async (http, next) =>
{
    var h = http.Response.Headers;
    h["X-Content-Type-Options"] = "nosniff";
    h["Referrer-Policy"] = "no-referrer";
    h["X-Frame-Options"] = "DENY";
    h.ContentSecurityPolicy = "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; " +
                              "style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
    await next(http).ConfigureAwait(false);
});
var files = new PhysicalFileProvider(Path.Combine(contentRoot, "wwwroot"));
app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
StudioEndpoints.Map(app, studio);

app.Lifetime.ApplicationStarted.Register(() =>
{
    foreach (var url in app.Urls) logger.LogInformation("DragVideo Studio is listening on {Url} (backend: {Backend})", url, engine.BackendName);
    if (!loopbackOnly) logger.LogWarning("Listening beyond loopback: anyone who can reach this address can upload videos and run edits.");
    logger.LogInformation("Work folder: {Folder}", studio.WorkFolder);
});
await app.RunAsync().ConfigureAwait(false);
return 0;
