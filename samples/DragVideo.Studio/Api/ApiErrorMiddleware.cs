using DragVideo.Studio.Hosting;

namespace DragVideo.Studio.Api;

/// <summary>
/// Turns exceptions into JSON error answers (<see cref="ApiErrorText.Map"/>), and refuses state-changing requests
/// whose Origin is another site (403), on top of the SameSite=Strict session cookie.
/// </summary>
public sealed class ApiErrorMiddleware(RequestDelegate next, StudioContext studio, ILogger<ApiErrorMiddleware> logger)
{
    /// <summary>Handles one request.</summary>
    public async Task InvokeAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method)
            && http.Request.Headers.Origin is { Count: > 0 } origin
            && !string.Equals(origin.ToString(), $"{http.Request.Scheme}://{http.Request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            await Write(http, 403, new ApiError("forbidden-origin", "Requests from other sites are not accepted.")).ConfigureAwait(false);
            return;
        }
        try
        {
            await next(http).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // the client went away
        }
        catch (Exception ex)
        {
            var (status, body) = ApiErrorText.Map(ex, studio.Options.MaxUploadBytes);
            if (status >= 500) logger.LogError(ex, "{Method} {Path} failed", http.Request.Method, http.Request.Path);
            if (http.Response.HasStarted) throw;
            await Write(http, status, body).ConfigureAwait(false);
        }
    }

    private static async Task Write(HttpContext http, int status, ApiError body)
    {
        http.Response.Clear();
        http.Response.StatusCode = status;
        await http.Response.WriteAsJsonAsync(body).ConfigureAwait(false);
    }
}
