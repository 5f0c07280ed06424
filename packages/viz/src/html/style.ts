/** The interactive page's stylesheet. */
export const PAGE_CSS = `
*{box-sizing:border-box}
html,body{margin:0;height:100%;font:13px/1.4 "DejaVu Sans",system-ui,sans-serif;color:#222;background:#fafafa}
#app{display:grid;grid-template-columns:1fr 260px;grid-template-rows:auto 1fr auto auto;height:100%}
aside{grid-row:2/4;grid-column:2}
#stage{grid-row:2;grid-column:1}
footer{grid-row:4}
#table-panel{grid-column:1;grid-row:3;height:240px;display:flex;flex-direction:column;border-top:1px solid #ddd;background:#fff;min-width:0}
#table-panel[hidden]{display:none}
#table-bar{display:flex;gap:12px;padding:2px 8px;color:#555}
#table-head,#table-rows .tr{display:grid;grid-auto-flow:column;grid-auto-columns:minmax(90px,1fr)}
#table-head{font-weight:bold;border-bottom:1px solid #ddd;padding:0 8px}
#table-head .th{cursor:pointer;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;user-select:none}
#table-body{flex:1;overflow:auto;position:relative}
#table-rows{position:relative}
#table-rows .tr{position:absolute;left:0;right:0;height:20px;line-height:20px;padding:0 8px;cursor:pointer}
#table-rows .tr:hover{background:#f0f0f0}#table-rows .tr.on{background:#ffe8e8}
#table-rows .td{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;padding-right:6px}
header{grid-column:1/3;display:flex;flex-wrap:wrap;gap:10px;align-items:center;padding:8px 12px;border-bottom:1px solid #ddd;background:#fff}
header h1{font-size:16px;margin:0 12px 0 0}
header label{display:flex;gap:4px;align-items:center}
header input[type=search]{width:200px;padding:3px 6px}
header button,header select{padding:3px 8px}
#stage{position:relative;overflow:hidden;background:#fff;cursor:crosshair}
#stage canvas{position:absolute;inset:0;width:100%;height:100%}
#overlay{pointer-events:none}
aside{border-left:1px solid #ddd;overflow:auto;padding:8px;background:#fff}
aside h2{font-size:13px;margin:4px 0 6px}
.legend-item{display:flex;align-items:center;gap:6px;padding:1px 4px;cursor:pointer;border-radius:3px;user-select:none}
.legend-item:hover{background:#f0f0f0}
.legend-item.off{opacity:.35}
.legend-item .sw{width:11px;height:11px;border-radius:50%;flex:none}
.legend-item .name{flex:1;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.legend-item .cnt{color:#888;font-variant-numeric:tabular-nums}
footer{grid-column:1/3;display:flex;gap:12px;align-items:center;padding:4px 12px;border-top:1px solid #ddd;background:#fff;color:#555}
footer audio{height:28px}
#tooltip{position:absolute;pointer-events:none;background:rgba(255,255,255,.96);border:1px solid #bbb;border-radius:4px;padding:6px 8px;box-shadow:0 2px 6px rgba(0,0,0,.15);max-width:360px;display:none;z-index:2}
#tooltip table{border-collapse:collapse}
#tooltip th{text-align:left;color:#777;font-weight:normal;padding-right:8px;vertical-align:top}
#tooltip td{word-break:break-all}
#selection{display:none;gap:6px;align-items:center}
.hint{color:#888}
#layers{display:flex;gap:12px;color:#555;margin-bottom:6px}
.ramp{height:12px;border-radius:2px;margin:4px 0 2px}
.ramp-ends{display:flex;justify-content:space-between;color:#555;font-variant-numeric:tabular-nums}
#confusion-panel{margin-top:12px;border-top:1px solid #eee;padding-top:4px}
#accuracy{font-weight:normal;color:#666}
#confusion-box{overflow:auto;max-height:320px;margin:4px 0}
#confusion{border-collapse:collapse;font-size:9px;font-variant-numeric:tabular-nums}
#confusion th{font-weight:normal;color:#555;max-width:48px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;padding:0 2px;text-align:right}
#confusion th.col{writing-mode:vertical-rl;transform:rotate(180deg);max-height:60px;text-align:left}
#confusion td{min-width:14px;height:14px;text-align:center;border:1px solid #f2f2f2;cursor:pointer;padding:0 1px}
#confusion td.on{outline:2px solid #000}
#filters-panel{margin-top:12px;border-top:1px solid #eee;padding-top:4px}
.filter{display:flex;gap:4px;align-items:center;margin:2px 0}
.filter .fname{flex:1;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.filter input{width:64px;padding:1px 3px}
.hist{display:flex;align-items:flex-end;height:36px;gap:1px;margin:2px 0 8px;cursor:col-resize;user-select:none}
.hist .bin{flex:1;height:100%;position:relative}
.hist .bin i{position:absolute;left:0;right:0;bottom:0}
.hist .bin .all{background:#dde3ea}.hist .bin .shown{background:#4e79a7}
#neighbors-panel{margin-top:12px;border-top:1px solid #eee;padding-top:4px}
#neighbors-of{color:#666;margin-bottom:4px;word-break:break-all}
#neighbors{margin:0;padding-left:22px}
.neighbor{cursor:pointer;padding:1px 0}.neighbor:hover{background:#f0f0f0}
.neighbor button{padding:0 4px;margin-right:4px;font-size:11px}
.neighbor .nid{font-family:"DejaVu Sans Mono",monospace;font-size:11px;margin-right:6px}
.neighbor .nlab{color:#555;margin-right:6px}.neighbor .ndist{color:#999;font-size:11px}
`;
