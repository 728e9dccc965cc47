#pragma once
/// A small SVG line-chart writer for the benchmark plots (no plotting dependency).
#include <string>
#include <utility>
#include <vector>

namespace oms::bench::svg {

/// One line: its points (x, y) in data units, drawn in `color` with a legend entry `name`.
struct Series {
  std::string name;
  std::string color;
  std::vector<std::pair<double, double>> points;
  bool dashed = false;
};

/// A chart with a linear x axis ticked at `x_ticks` and a linear y axis from 0.
struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<double> x_ticks;
  std::vector<Series> series;
  int width = 720;
  int height = 420;
};

/// A "nice" axis maximum and step (1, 2 or 5 × 10^k) covering `max_value` in about `ticks` steps.
std::pair<double, double> nice_axis(double max_value, int ticks = 5);
/// Escapes &, <, > and quotes for SVG text and attributes.
std::string escape(const std::string& text);
/// The whole SVG document.
std::string render(const LineChart& chart);

}  // namespace oms::bench::svg
