// One Plotly graph per live figure, kept alive from frame to frame (ui/live_chart.py): Streamlit's components v2
// calls this function again with each frame's data, in the same parent element, and the graph there gets the new
// figure through Plotly.react, which updates the drawn plot in place (st.plotly_chart would build the whole plot
// again for every frame).
//
// data: the bytes of {"plotly": <URL of plotly.min.js>, "config": {...}, "figure": {"data": [...], "layout": {...}}}
// (JSON text, not a JSON string inside JSON: no second escaping of the figure).
//
// Plotly.js: the page's own when there is one (Streamlit's st.plotly_chart code sets window.Plotly once a chart has
// drawn: then the live graph and the paused chart are drawn by the same Plotly); else a copy of the plotly
// package's file from this server (see ui/live_chart.py), loaded once per browser tab.

function loadPlotly(url) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__mlpPlotlyLoading) {
    window.__mlpPlotlyLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        window.__mlpPlotlyLoading = null; // the next frame tries again
        reject(new Error(`could not load ${url}`));
      };
      document.head.appendChild(script);
    });
  }
  return window.__mlpPlotlyLoading;
}

// Draws the newest frame of one graph; frames that arrive while it draws replace each other (only the last is drawn).
async function draw(live) {
  if (live.drawing) return;
  live.drawing = true;
  try {
    while (live.latest !== null) {
      const args = live.latest;
      live.latest = null;
      const Plotly = await loadPlotly(args.plotly);
      const layout = args.figure.layout || {};
      delete layout.width; // the column's width, as st.plotly_chart
      layout.autosize = true;
      await Plotly.react(live.graph, args.figure.data || [], layout, args.config);
    }
  } catch (error) {
    console.error("live chart:", error);
  } finally {
    live.drawing = false;
  }
}

export default function ({ data, parentElement }) {
  const args = JSON.parse(new TextDecoder().decode(data));
  let live = parentElement.__mlpLive;
  if (!live) {
    const graph = document.createElement("div");
    graph.className = "mlp-live-chart";
    graph.style.width = "100%";
    // its size is its own (width of the column, height set below): what Plotly changes inside it each frame, and
    // the text it measures (getBoundingClientRect), lay out and paint only this box, not the whole page
    graph.style.contain = "strict";
    parentElement.appendChild(graph);
    live = parentElement.__mlpLive = { graph, latest: null, drawing: false };
  }
  // the figure's own height (Plotly's default 450, as st.plotly_chart), set before Plotly has loaded: the page
  // does not move when the graph appears
  live.graph.style.height = `${(args.figure.layout || {}).height || 450}px`;
  live.latest = args;
  // frames that reached this graph (bench/bench_browser.py compares them with the frames Plotly drew)
  live.graph.__mlpFrames = (live.graph.__mlpFrames || 0) + 1;
  draw(live);
  // Called when this call's effect ends: on the next frame (the graph must live on) or when the element leaves
  // the page (Pause draws st.plotly_chart instead); only then is the graph taken down.
  return () =>
    setTimeout(() => {
      if (!live.graph.isConnected && window.Plotly) window.Plotly.purge(live.graph);
    }, 0);
}
