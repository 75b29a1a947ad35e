package io.whisulbridge.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.vertx.http.ManagementInterface;
import io.vertx.ext.web.RoutingContext;
import io.whisulbridge.messaging.PromptPipeline;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * "Where is my song?" without reading logs: {@code GET /jobs/{request_id}} and {@code GET /jobs?state=running}, on the
 * management interface (port 9000) next to health and metrics, never on the public port.
 */
@ApplicationScoped
public class JobStatusRoutes {

    private static final int DEFAULT_PAGE_SIZE = 100;
    private static final int MAX_PAGE_SIZE = 1000;

    private final PromptPipeline pipeline;
    private final ObjectMapper json;

    public JobStatusRoutes(PromptPipeline pipeline, ObjectMapper json) {
        this.pipeline = pipeline;
        this.json = json;
    }

    void register(@Observes ManagementInterface management) {
        management.router().get("/jobs/:requestId").handler(this::one);
        management.router().get("/jobs").handler(this::list);
    }

    private void one(RoutingContext request) {
        String requestId = request.pathParam("requestId");
        Optional<JobView> view = pipeline.running(requestId)
                .map(JobView::of)
                .or(() -> pipeline.finished(requestId).map(JobView::of));
        if (view.isEmpty()) {
            respond(
                    request,
                    404,
                    Map.of(
                            "error",
                            "unknown request id",
                            "request_id",
                            requestId,
                            "hint",
                            "this instance knows the requests of its own partitions, and finished ones it still remembers"));
            return;
        }
        respond(request, 200, view.get());
    }

    private void list(RoutingContext request) {
        String state = request.queryParams().get("state");
        if (state != null && !state.equals("running")) {
            respond(request, 400, Map.of("error", "state must be 'running' (the jobs this instance is working on)"));
            return;
        }
        int page;
        int size;
        try {
            page = Math.max(
                    0,
                    Integer.parseInt(Optional.ofNullable(request.queryParams().get("page"))
                            .orElse("0")));
            size = Math.min(
                    MAX_PAGE_SIZE,
                    Math.max(
                            1,
                            Integer.parseInt(
                                    Optional.ofNullable(request.queryParams().get("size"))
                                            .orElse(String.valueOf(DEFAULT_PAGE_SIZE)))));
        } catch (NumberFormatException notANumber) {
            respond(request, 400, Map.of("error", "page and size must be whole numbers"));
            return;
        }
        List<JobView> running = pipeline.running().stream().map(JobView::of).toList();
        int from = Math.min(running.size(), page * size);
        respond(
                request,
                200,
                Map.of(
                        "state",
                        "running",
                        "page",
                        page,
                        "size",
                        size,
                        "total",
                        running.size(),
                        "jobs",
                        running.subList(from, Math.min(running.size(), from + size))));
    }

    private void respond(RoutingContext request, int status, Object body) {
        try {
            request.response()
                    .setStatusCode(status)
                    .putHeader("Content-Type", "application/json")
                    .end(json.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            request.fail(e);
        }
    }
}
