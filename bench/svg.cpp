#include "bench/svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace oms::bench::svg {

namespace {

// Margins leave room for the title, the axis labels and the legend.
constexpr double kLeft = 70, kRight = 20, kTop = 40, kBottom = 55;

std::string number(double v) {
  char buf[32];
  if (std::fabs(v - std::round(v)) < 1e-9)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::string fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

struct Frame {
  double x_max, y_max, plot_w, plot_h;
  double x(double v) const { return kLeft + (x_max > 0 ? v / x_max : 0) * plot_w; }
  double y(double v) const { return kTop + plot_h - (y_max > 0 ? v / y_max : 0) * plot_h; }
};

std::string text(double x, double y, const std::string& s, const char* anchor, int size = 12,
                 const std::string& extra = {}) {
  return "<text x=\"" + fixed(x) + "\" y=\"" + fixed(y) + "\" text-anchor=\"" + anchor + "\" font-size=\"" +
         std::to_string(size) + "\"" + extra + ">" + escape(s) + "</text>\n";
}

std::string line(double x1, double y1, double x2, double y2, const char* stroke) {
  return "<line x1=\"" + fixed(x1) + "\" y1=\"" + fixed(y1) + "\" x2=\"" + fixed(x2) + "\" y2=\"" + fixed(y2) +
         "\" stroke=\"" + stroke + "\"/>\n";
}

std::string axes(const LineChart& c, const Frame& f, double y_step) {
  std::string out;
  for (double v = 0; v <= f.y_max + y_step / 2; v += y_step) {
    out += line(kLeft, f.y(v), kLeft + f.plot_w, f.y(v), "#e4e4e4");
    out += text(kLeft - 6, f.y(v) + 4, number(v), "end");
  }
  for (double t : c.x_ticks) {
    out += line(f.x(t), kTop + f.plot_h, f.x(t), kTop + f.plot_h + 5, "#444");
    out += text(f.x(t), kTop + f.plot_h + 18, number(t), "middle");
  }
  out += line(kLeft, kTop, kLeft, kTop + f.plot_h, "#444");
  out += line(kLeft, kTop + f.plot_h, kLeft + f.plot_w, kTop + f.plot_h, "#444");
  out += text(kLeft + f.plot_w / 2, c.height - 12.0, c.x_label, "middle", 13);
  double mid = kTop + f.plot_h / 2;
  out += text(18, mid, c.y_label, "middle", 13, " transform=\"rotate(-90 18 " + fixed(mid) + ")\"");
  out += text(c.width / 2.0, 24, c.title, "middle", 15, " font-weight=\"bold\"");
  return out;
}

std::string series_path(const Series& s, const Frame& f) {
  std::string points;
  std::string marks;
  for (auto [x, y] : s.points) {
    points += fixed(f.x(x)) + "," + fixed(f.y(y)) + " ";
    marks += "<circle cx=\"" + fixed(f.x(x)) + "\" cy=\"" + fixed(f.y(y)) + "\" r=\"3.5\" fill=\"" + s.color + "\"/>\n";
  }
  std::string dash = s.dashed ? " stroke-dasharray=\"6 4\"" : "";
  return "<polyline fill=\"none\" stroke=\"" + s.color + "\" stroke-width=\"2\"" + dash + " points=\"" + points +
         "\"/>\n" + marks;
}

std::string legend(const LineChart& c) {
  std::string out;
  double y = kTop + 12;
  for (const auto& s : c.series) {
    std::string dash = s.dashed ? " stroke-dasharray=\"6 4\"" : "";
    out += "<line x1=\"" + fixed(kLeft + 12) + "\" y1=\"" + fixed(y - 4) + "\" x2=\"" + fixed(kLeft + 36) + "\" y2=\"" +
           fixed(y - 4) + "\" stroke=\"" + s.color + "\" stroke-width=\"2\"" + dash + "/>\n";
    out += text(kLeft + 42, y, s.name, "start");
    y += 18;
  }
  return out;
}

}  // namespace

std::pair<double, double> nice_axis(double max_value, int ticks) {
  if (!(max_value > 0)) return {1, 1.0 / std::max(ticks, 1)};
  double raw = max_value / std::max(ticks, 1);
  double magnitude = std::pow(10, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  return {std::ceil(max_value / step - 1e-9) * step, step};
}

std::string escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string render(const LineChart& c) {
  double x_max = 0, y_data = 0;
  for (double t : c.x_ticks) x_max = std::max(x_max, t);
  for (const auto& s : c.series)
    for (auto [x, y] : s.points) {
      x_max = std::max(x_max, x);
      y_data = std::max(y_data, y);
    }
  auto [y_max, y_step] = nice_axis(y_data * 1.05);
  Frame f{x_max, y_max, c.width - kLeft - kRight, c.height - kTop - kBottom};
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(c.width) + "\" height=\"" +
                    std::to_string(c.height) + "\" viewBox=\"0 0 " + std::to_string(c.width) + " " +
                    std::to_string(c.height) + "\" font-family=\"sans-serif\">\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  out += axes(c, f, y_step);
  for (const auto& s : c.series) out += series_path(s, f);
  out += legend(c);
  out += "</svg>\n";
  return out;
}

}  // namespace oms::bench::svg
