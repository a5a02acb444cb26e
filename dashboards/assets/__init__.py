"""Static files of the dashboard site (app.js, style.css), copied beside the pages."""
