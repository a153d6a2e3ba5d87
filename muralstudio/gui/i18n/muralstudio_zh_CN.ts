<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>Canvas</name>
    <message>
        <location filename="../canvas.py" line="807" />
        <source>restored</source>
        <extracomment>a label layer's element edges drawn in the class colour at this per cent of its brightness</extracomment>
        <translation>修复后</translation>
    </message>
    <message>
        <location filename="../canvas.py" line="808" />
        <source>original</source>
        <translation>原图</translation>
    </message>
</context>
<context>
    <name>ClassNames</name>
    <message>
        <location filename="../class_names.py" line="13" />
        <source>background</source>
        <extracomment>the built-in element classes (core.document.DEFAULT_LABEL_CLASSES, a test keeps them alike), spelt out for lupdate</extracomment>
        <translation>背景</translation>
    </message>
    <message>
        <location filename="../class_names.py" line="13" />
        <source>animal</source>
        <translation>动物</translation>
    </message>
    <message>
        <location filename="../class_names.py" line="14" />
        <source>building</source>
        <translation>建筑</translation>
    </message>
    <message>
        <location filename="../class_names.py" line="14" />
        <source>cloud</source>
        <translation>云气</translation>
    </message>
    <message>
        <location filename="../class_names.py" line="15" />
        <source>people</source>
        <translation>人物</translation>
    </message>
    <message>
        <location filename="../class_names.py" line="15" />
        <source>Buddha</source>
        <translation>佛像</translation>
    </message>
</context>
<context>
    <name>ClickSegmentTool</name>
    <message>
        <location filename="../click_tool.py" line="62" />
        <source>Start a region with a positive (left) click.</source>
        <extracomment>"idle", "preparing" (first prediction of a session: the engine encodes the image), "predicting" or "ready"</extracomment>
        <translation>请先用正向（左键）点击开始一个区域。</translation>
    </message>
    <message>
        <location filename="../click_tool.py" line="87" />
        <source>The region is still being computed.</source>
        <translation>区域仍在计算中。</translation>
    </message>
    <message>
        <location filename="../click_tool.py" line="91" />
        <source>Layer '%1' is locked.</source>
        <translation>图层“%1”已锁定。</translation>
    </message>
    <message>
        <location filename="../click_tool.py" line="97" />
        <source>Click region (subtract)</source>
        <translation>点选区域（减去）</translation>
    </message>
    <message>
        <location filename="../click_tool.py" line="97" />
        <source>Click region</source>
        <translation>点选区域</translation>
    </message>
    <message>
        <location filename="../click_tool.py" line="128" />
        <source>Segment (%1)</source>
        <translation>分割 (%1)</translation>
    </message>
</context>
<context>
    <name>DetectDock</name>
    <message>
        <location filename="../detect_dock.py" line="83" />
        <source>calibrated</source>
        <extracomment>proposals labelled on the dock's thread at a new sensitivity: (generation, result, labelled)</extracomment>
        <translation>已校准</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="88" />
        <source> px</source>
        <translation> 像素</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="96" />
        <source>Sensitivity: 50 uses each class's threshold; right proposes more (lower thresholds), left fewer</source>
        <translation>灵敏度：50 使用各类别的阈值；向右提出更多（阈值更低），向左更少</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="105" />
        <location filename="../detect_dock.py" line="642" />
        <source>Detect damage</source>
        <translation>检测病害</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="106" />
        <source>Update layers</source>
        <translation>更新图层</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="107" />
        <source>Review regions</source>
        <translation>审核区域</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="108" />
        <source>Left click a proposed region to accept it as damage, right click to reject it (V)</source>
        <translation>左键单击建议区域将其作为病害接受，右键单击则拒绝（V）</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="110" />
        <source>Accept all</source>
        <translation>全部接受</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="111" />
        <source>Reject all</source>
        <translation>全部拒绝</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="112" />
        <source>◀ Previous region</source>
        <translation>◀ 上一个区域</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="113" />
        <source>Next region ▶</source>
        <translation>下一个区域 ▶</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="114" />
        <source>Zoom to the next proposed region, top to bottom (in the Review tool: period; comma goes back; Enter accepts it, Backspace rejects it, and either goes on to the next)</source>
        <translation>缩放到下一个建议区域，自上而下（在审核工具中：句号；逗号返回；Enter 接受，Backspace 拒绝，并转到下一个）</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="134" />
        <source>Engine</source>
        <translation>引擎</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="136" />
        <source>Threshold</source>
        <translation>阈值</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="137" />
        <source>Minimum area</source>
        <translation>最小面积</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="138" />
        <source>Sensitivity</source>
        <translation>灵敏度</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="238" />
        <source>The sensitivity applies to the next detection: run Detect on this image to re-threshold its proposals.</source>
        <translation>灵敏度将用于下一次检测：请对此图像运行“检测”以重新划定其建议区域。</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="249" />
        <source>craquelure</source>
        <translation>龟裂</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="249" />
        <source>paint loss</source>
        <translation>颜料脱落</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="327" />
        <source>Accept region</source>
        <translation>接受区域</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="327" />
        <source>Reject region</source>
        <translation>拒绝区域</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="332" />
        <source>accepted %1 px of %2</source>
        <translation>已接受 %2 的 %1 像素</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="332" />
        <source>rejected %1 px of %2</source>
        <translation>已拒绝 %2 的 %1 像素</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="388" />
        <source>no proposed regions left to review</source>
        <translation>没有待审核的建议区域了</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="439" />
        <source>Accept regions</source>
        <translation>接受多个区域</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="439" />
        <source>Reject regions</source>
        <translation>拒绝多个区域</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="448" />
        <source>accepted %1 regions (%2 px)</source>
        <translation>已接受 %1 个区域（%2 像素）</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="448" />
        <source>rejected %1 regions (%2 px)</source>
        <translation>已拒绝 %1 个区域（%2 像素）</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="483" />
        <source>Accept all %1 proposed regions as damage without looking at each? On the real walls of our validation caves under a third of the default detector's proposals are damage; Next region walks through them one by one.</source>
        <translation>不逐一查看就将全部 %1 个建议区域接受为病害吗？在我们验证洞窟的真实壁画上，默认检测器的建议中只有不到三分之一是病害；“下一个区域”可逐一查看。</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="486" />
        <location filename="../detect_dock.py" line="495" />
        <source>Accept all proposals</source>
        <translation>接受全部建议</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="495" />
        <source>Reject all proposals</source>
        <translation>拒绝全部建议</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="589" />
        <source>Detect (%1)</source>
        <translation>检测 (%1)</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="271" />
        <source>%1 (proposed)</source>
        <translation>%1（建议）</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="405" />
        <source>region %1 of %2 left (%6 decided): %3, %4 px, confidence %5 — Enter accepts, Backspace rejects, period skips</source>
        <translation>剩余 %2 个区域中的第 %1 个（已决定 %6 个）：%3，%4 像素，置信度 %5 — Enter 接受，Backspace 拒绝，句号跳过</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="598" />
        <source>Little was proposed: if this photograph shows the wall in more detail than the ~500-px murals the detector learned from, set Working scale (about %1) and detect again.</source>
        <translation>几乎没有提出病害：如果这张照片中的墙面比检测器学习所用的约 500 像素的壁画更精细，请设置“工作比例”（约 %1）后重新检测。</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="629" />
        <source>Re-threshold proposals</source>
        <translation>重新设定建议阈值</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="673" />
        <source>%1 not assessed</source>
        <translation>%1 未评估</translation>
    </message>
    <message>
        <location filename="../detect_dock.py" line="679" />
        <source>proposed %1 — review the regions (V): left click accepts, right click rejects</source>
        <translation>建议 %1 — 请审核这些区域（V）：左键接受，右键拒绝</translation>
    </message>
</context>
<context>
    <name>ElementsDock</name>
    <message>
        <location filename="../elements_dock.py" line="118" />
        <source>Label elements</source>
        <extracomment>label layers larger than this are searched for elements on the job runner how many of the most similar elements the ranking gallery shows</extracomment>
        <translation>标注元素</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="123" />
        <source> px</source>
        <translation> 像素</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="126" />
        <source>largest first</source>
        <translation>由大到小</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="127" />
        <source>by class, largest first</source>
        <translation>按类别，由大到小</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="128" />
        <source>top to bottom</source>
        <translation>由上到下</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="136" />
        <source>Show probability as a layer</source>
        <translation>将概率显示为图层</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="138" />
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="139" />
        <source>Reclassify…</source>
        <translation>更改类别…</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="140" />
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="141" />
        <source>Export selected…</source>
        <translation>导出所选…</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="142" />
        <source>Find similar here</source>
        <translation>在本壁画中找相似</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="143" />
        <source>Find similar in folder…</source>
        <translation>在文件夹中找相似…</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="152" />
        <source>Labeler</source>
        <translation>标注模型</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="153" />
        <source>Label layer</source>
        <translation>标注图层</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="157" />
        <source>Probability</source>
        <translation>概率</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="158" />
        <source>Minimum area</source>
        <translation>最小面积</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="162" />
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="260" />
        <source>Find elements</source>
        <translation>查找元素</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="318" />
        <source>all classes</source>
        <translation>全部类别</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="330" />
        <source>Label the mural, or make a label layer in the Labels dock.</source>
        <translation>请标注壁画，或在“标注”面板中新建标注图层。</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="336" />
        <source>%1 elements: %2</source>
        <translation>%1 个元素：%2</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="336" />
        <source>1 element: %2</source>
        <translation>1 个元素：%2</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="404" />
        <source>labelled in %1 s: review the elements below</source>
        <translation>已在 %1 秒内完成标注：请检查下方的元素</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="407" />
        <source>Label elements (%1)</source>
        <translation>标注元素（%1）</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="428" />
        <source>This element is in %1, at x %2, y %3: open that mural to see it.</source>
        <translation>此元素位于 %1，x %2，y %3：打开那幅壁画即可查看。</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="434" />
        <source>Rename element</source>
        <translation>重命名元素</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="434" />
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="446" />
        <source>Reclassify element</source>
        <translation>更改元素类别</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="446" />
        <source>Class:</source>
        <translation>类别：</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="451" />
        <source>Reclassify element as %1</source>
        <translation>将元素改为 %1</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="456" />
        <source>Delete %1 element(s)</source>
        <translation>删除 %1 个元素</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="458" />
        <source>Delete element</source>
        <translation>删除元素</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="472" />
        <source>Export elements to</source>
        <translation>导出元素到</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="484" />
        <source>Exported %1 elements to %2</source>
        <translation>已导出 %1 个元素到 %2</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="500" />
        <source>The selected element has changed since it was shown: select it again.</source>
        <translation>所选要素在显示后已改变：请重新选择。</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="527" />
        <source>Find similar (%1)</source>
        <translation>查找相似（%1）</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="531" />
        <source>Find similar elements in</source>
        <translation>在此查找相似元素</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="552" />
        <source>Most similar to '%1':</source>
        <translation>与“%1”最相似：</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="554" />
        <source>No other element to compare with: label more of this mural, or search a folder of murals (Find similar in folder…).</source>
        <translation>没有可比较的其他元素：请标注这幅壁画的更多部分，或在壁画文件夹中查找（在文件夹中查找相似…）。</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="557" />
        <source>ranked %1 elements</source>
        <translation>已排序 %1 个元素</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="557" />
        <source>ranked 1 element</source>
        <translation>已排序 1 个元素</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="561" />
        <source>left out, unreadable: %1</source>
        <translation>无法读取，已略过：%1</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="568" />
        <source>this mural</source>
        <translation>本壁画</translation>
    </message>
    <message>
        <location filename="../elements_dock.py" line="570" />
        <source>%1: %2, %3 px, similarity %4</source>
        <translation>%1：%2，%3 像素，相似度 %4</translation>
    </message>
</context>
<context>
    <name>EngineSetting</name>
    <message>
        <location filename="../engine_labels.py" line="8" />
        <source>Fleck radius (px)</source>
        <translation>斑点半径（像素）</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="9" />
        <source>largest fleck radius in px</source>
        <translation>斑点的最大半径（像素）</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="10" />
        <source>Contrast</source>
        <translation>对比度</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="11" />
        <source>how much lighter than the paint around a fleck must be (Lab lightness, 0–255): 80 flags 1.5 % of the intact dark paint of the reviewed real-damage training crops</source>
        <translation>斑点须比周围颜料亮多少（Lab 明度，0–255）：取 80 时，复核后的真实病害训练集中 1.5% 的完好深色颜料被标出</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="12" />
        <source>Working scale</source>
        <translation>工作比例</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="13" />
        <source>work at this fraction of the image's resolution: the detector knows flakes as they look on photographs about 500 px across a wall section; for a photograph at N times that resolution use 1/N (0.2 for 2,500 px across the same section)</source>
        <translation>按图像分辨率的这一比例处理：检测器认识的是约 500 像素宽的壁面照片中的剥落斑点；若照片分辨率为其 N 倍，请用 1/N（同一壁面 2,500 像素宽时用 0.2）</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="14" />
        <source>Weights</source>
        <translation>权重</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="15" />
        <source>other weights of the same network (default: the shipped ones)</source>
        <translation>同一网络的其他权重（默认：随软件提供的权重）</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="16" />
        <source>Average mirror images</source>
        <translation>平均镜像结果</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="17" />
        <source>average the detection over the window and its three mirror images (4× the time; on the real-damage validation crops it halved the false alarms on dark paint)</source>
        <translation>对窗口及其三个镜像的检测结果取平均（耗时 4 倍；在真实病害验证集上使深色颜料上的误报减半）</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="18" />
        <source>Edge σ</source>
        <translation>边缘 σ</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="19" />
        <source>Canny σ of the edges outside the hole</source>
        <translation>缺损区外边缘的 Canny σ</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="20" />
        <source>Keep outside edges</source>
        <translation>保留缺损区外的边缘</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="21" />
        <source>keep the true edges outside the hole</source>
        <translation>保留缺损区外的真实边缘</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="22" />
        <source>Radius (px)</source>
        <translation>半径（像素）</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="23" />
        <source>radius of the Telea fill it corrects</source>
        <translation>所校正的 Telea 填补的半径</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="24" />
        <source>Add the wall's grain</source>
        <translation>加入壁面纹理</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="25" />
        <source>add noise with the spread of the surrounding fine detail, so a large fill is not smoother than the wall</source>
        <translation>加入与周围细节起伏相当的噪声，使大面积填补不比壁面更平滑</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="26" />
        <source>neighbourhood (px) each filled pixel is computed from</source>
        <translation>计算每个填补像素所用的邻域（像素）</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="27" />
        <source>Patch size (px)</source>
        <translation>块大小（像素）</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="28" />
        <source>side of the patches compared (odd)</source>
        <translation>比较的图像块边长（奇数）</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="29" />
        <source>Passes per level</source>
        <translation>每层迭代次数</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="30" />
        <source>refinement passes per pyramid level</source>
        <translation>每个金字塔层的细化次数</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="31" />
        <source>Search rounds</source>
        <translation>搜索轮数</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="32" />
        <source>PatchMatch propagation/search rounds per pass</source>
        <translation>每次迭代的 PatchMatch 传播/搜索轮数</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="33" />
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="34" />
        <source>random seed (same seed, same fill)</source>
        <translation>随机种子（相同种子，相同填补）</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="35" />
        <source>Pyramid levels</source>
        <translation>金字塔层数</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="36" />
        <source>pyramid levels</source>
        <translation>金字塔层数</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="37" />
        <source>Synthesise texture</source>
        <translation>合成纹理</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="38" />
        <source>copy each pixel from its best match at the finest level (texture) instead of averaging the votes (smoother)</source>
        <translation>在最精细层从最佳匹配处复制每个像素（保留纹理），而不是平均投票（更平滑）</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="39" />
        <source>Structure from the wall in wide losses</source>
        <translation>大面积缺损内取壁面结构</translation>
    </message>
    <message>
        <location filename="../engine_labels.py" line="40" />
        <source>more than a patch or two deep inside a loss, take the large-scale structure from the coarser level's synthesis instead of diffusion from the rim (which draws rays across wide losses)</source>
        <translation>在缺损内部距边缘超过两个图块处，大尺度结构取自较粗层级的合成结果，而非从边缘扩散（扩散会在大面积缺损上画出放射状条纹）</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <location filename="../export_dialog.py" line="32" />
        <location filename="../export_dialog.py" line="70" />
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="34" />
        <source>Restored image</source>
        <translation>修复后的图像</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="36" />
        <source>Intervention map (which pixels were restored, by which engine)</source>
        <translation>干预图（哪些像素被修复、用哪个引擎）</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="38" />
        <source>Restored image, restored areas outlined</source>
        <translation>修复后图像（修复区域描边）</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="39" />
        <source>Restored image, restored areas hatched</source>
        <translation>修复后图像（修复区域加斜线）</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="42" />
        <source>Mask: %1</source>
        <translation>蒙版：%1</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="44" />
        <source>Labels: %1</source>
        <translation>标注：%1</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="47" />
        <source>Deflate</source>
        <translation>Deflate</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="48" />
        <source>LZW</source>
        <translation>LZW</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="51" />
        <source>Apply it, then export</source>
        <translation>先应用，再导出</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="52" />
        <source>Export it without applying</source>
        <translation>导出但不应用</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="53" />
        <source>Export without it</source>
        <translation>不含建议导出</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="54" />
        <source>A restoration proposal is pending (shown on the canvas, not yet applied).</source>
        <translation>有一个修复建议待定（画布上可见，尚未应用）。</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="57" />
        <source>This %1-bit image will be written with 8 bits per channel: the finer tones are lost. Use TIFF to keep them.</source>
        <translation>这幅 %1 位图像将以每通道 8 位写出：更细的色阶会丢失。用 TIFF 可以保留。</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="61" />
        <source>Also write the XMP metadata as a .xmp file beside the image</source>
        <translation>同时在图像旁写出 .xmp 元数据文件</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="63" />
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="71" />
        <source>Format</source>
        <translation>格式</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="72" />
        <source>TIFF compression</source>
        <translation>TIFF 压缩</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="73" />
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="76" />
        <source>Pending proposal</source>
        <translation>待定建议</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="106" />
        <source>TIFF, %1-bit as the source, ICC and record kept</source>
        <translation>TIFF，与源图相同的 %1 位，保留 ICC 与修复记录</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="107" />
        <source>PNG, 8-bit (for sharing)</source>
        <translation>PNG，8 位（用于分享）</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="108" />
        <source>JPEG, 8-bit (for sharing)</source>
        <translation>JPEG，8 位（用于分享）</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="110" />
        <source>Indexed PNG (0 = original, 1… = each restoration) + legend JSON</source>
        <translation>索引 PNG（0 = 原始，1… = 各次修复）+ 图例 JSON</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="112" />
        <source>PNG, 8-bit (for publication)</source>
        <translation>PNG，8 位（用于出版）</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="113" />
        <source>TIFF, 8-bit</source>
        <translation>TIFF，8 位</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="115" />
        <source>PNG, 8-bit mask</source>
        <translation>PNG，8 位蒙版</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="116" />
        <source>TIFF, 8-bit mask</source>
        <translation>TIFF，8 位蒙版</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="118" />
        <source>Indexed PNG (class values, class colours)</source>
        <translation>索引 PNG（类别值与类别颜色）</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="153" />
        <source>Export to</source>
        <translation>导出到</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="170" />
        <source>%1 exists already and has no MuralStudio record beside it: it may be an original photograph. Replace it?</source>
        <translation>%1 已存在，且旁边没有 MuralStudio 记录：它可能是原始照片。要替换吗？</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="173" />
        <source>Replace the file?</source>
        <translation>替换该文件？</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="168" />
        <source>%1 exists already (an earlier export, with its record beside it). Replace it?</source>
        <translation>%1 已存在（先前的导出，旁边有其记录）。要替换吗？</translation>
    </message>
</context>
<context>
    <name>HistoryList</name>
    <message>
        <location filename="../history_dock.py" line="19" />
        <source>Add layer '%1'</source>
        <extracomment>the undo steps the Qt-free layers name in English, as patterns with their translated forms (the names users give layers stay as they are)</extracomment>
        <translation>添加图层“%1”</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="20" />
        <source>Delete layer '%1'</source>
        <translation>删除图层“%1”</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="21" />
        <source>Move layer '%1'</source>
        <translation>移动图层“%1”</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="22" />
        <source>Duplicate '%1'</source>
        <translation>复制“%1”</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="23" />
        <source>Merge '%1' into '%2'</source>
        <translation>将“%1”合并到“%2”</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="24" />
        <source>Propose restoration (%1)</source>
        <translation>提出修复方案（%1）</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="25" />
        <source>Apply restoration '%1'</source>
        <translation>应用修复“%1”</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="26" />
        <source>Accept a region of '%1'</source>
        <translation>接受“%1”中的一个区域</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="27" />
        <source>Reject a region of '%1'</source>
        <translation>拒绝“%1”中的一个区域</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="28" />
        <source>Accept all of '%1'</source>
        <translation>接受“%1”的全部</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="29" />
        <source>Reject all of '%1'</source>
        <translation>拒绝“%1”的全部</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="30" />
        <source>Show or hide '%1'</source>
        <translation>显示或隐藏“%1”</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="31" />
        <source>Set the opacity of '%1'</source>
        <translation>设置“%1”的不透明度</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="32" />
        <source>Lock or unlock '%1'</source>
        <translation>锁定或解锁“%1”</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="33" />
        <source>Rename '%1'</source>
        <translation>重命名“%1”</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="34" />
        <source>Set the colour of '%1'</source>
        <translation>设置“%1”的颜色</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="35" />
        <source>Change the classes of '%1'</source>
        <translation>更改“%1”的类别</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="36" />
        <source>Name an element of '%1'</source>
        <translation>为“%1”中的元素命名</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="37" />
        <source>Apply or withdraw '%1'</source>
        <translation>应用或撤回“%1”</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="38" />
        <source>Set %1 of '%2'</source>
        <translation>设置“%2”的 %1</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="39" />
        <source>Detect %1</source>
        <translation>检测 %1</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="40" />
        <source>Add '%1' to the mask</source>
        <translation>将“%1”并入蒙版</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="41" />
        <source>Keep only what '%1' also marks</source>
        <translation>只保留“%1”也标出的部分</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="42" />
        <source>Take '%1' out of the mask</source>
        <translation>从蒙版中去除“%1”</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="45" />
        <source>Set scale</source>
        <extracomment>steps named without a layer, translated as they are</extracomment>
        <translation>设置比例尺</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="45" />
        <source>Paint</source>
        <translation>绘制</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="46" />
        <source>Reject</source>
        <translation>拒绝</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="46" />
        <source>Record detection</source>
        <translation>记录检测</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="47" />
        <source>Count review</source>
        <translation>统计审阅</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="47" />
        <source>Apply proposals</source>
        <translation>应用修复方案</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="48" />
        <source>Fill polygon</source>
        <translation>填充多边形</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="48" />
        <source>Erase polygon</source>
        <translation>擦除多边形</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="49" />
        <source>Brush</source>
        <translation>画笔</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="49" />
        <source>Erase</source>
        <translation>擦除</translation>
    </message>
    <message>
        <location filename="../history_dock.py" line="82" />
        <source>Opened</source>
        <translation>已打开</translation>
    </message>
</context>
<context>
    <name>InpaintDock</name>
    <message>
        <location filename="../inpaint_dock.py" line="53" />
        <source> px</source>
        <translation> 像素</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="55" />
        <source>Grow the damage mask by this much before filling: a flake's pale rim left outside its mask comes back as a pale ghost in the fill. The grown mask is what is restored and recorded; 0 keeps to the mask exactly.</source>
        <translation>填补前将病害蒙版向外扩展这么多像素：剥落处留在蒙版外的浅色边缘会在填补后以浅色残影重现。修复和记录的都是外扩后的蒙版；0 表示严格按蒙版。</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="58" />
        <source>Match colour to the surroundings</source>
        <translation>颜色与周围匹配</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="63" />
        <source>A mask layer of contour lines drawn inside the damage: the fill continues them (edgeconnect, fourier)</source>
        <translation>在损坏区域内绘制轮廓线的蒙版图层：填充会延续这些线条（edgeconnect、fourier）</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="65" />
        <source>Draw guide lines</source>
        <translation>绘制引导线</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="67" />
        <source>Adds a guide-line layer and picks a thin brush: draw the missing contours across the loss</source>
        <translation>添加引导线图层并选用细画笔：在缺损处画出缺失的轮廓</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="70" />
        <source>A mask layer marking where texture may be copied from (patchmatch)</source>
        <translation>标出可复制纹理来源区域的蒙版图层（patchmatch）</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="71" />
        <source>Restore</source>
        <translation>修复</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="72" />
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="73" />
        <source>Discard</source>
        <translation>放弃</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="77" />
        <source>Engine</source>
        <translation>引擎</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="78" />
        <source>Damage mask</source>
        <translation>病害蒙版</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="80" />
        <source>Grow mask by</source>
        <translation>蒙版外扩</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="81" />
        <source>Context (× hole size)</source>
        <translation>上下文（× 缺损尺寸）</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="87" />
        <source>Guide lines</source>
        <translation>引导线</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="88" />
        <source>Sample from</source>
        <translation>取样区域</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="93" />
        <source>Proposal</source>
        <translation>修复提案</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="102" />
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="148" />
        <source>All visible mask layers</source>
        <translation>所有可见的蒙版图层</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="149" />
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="150" />
        <source>Anywhere around the loss</source>
        <translation>缺损周围任意位置</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="197" />
        <source>guide lines</source>
        <translation>引导线</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="221" />
        <source>Only proposed damage is marked: accept its regions first (Detect dock, Review tool V), then restore.</source>
        <translation>只有建议的病害被标出：请先接受其区域（检测面板，审核工具 V），再进行修复。</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="224" />
        <source>The damage mask layers are hidden: tick one in Layers, or choose it under Damage mask (hidden layers are restored when chosen by name).</source>
        <translation>病害蒙版图层已隐藏：请在图层面板中勾选一个，或在“病害蒙版”中选择它（按名称选择时隐藏图层也会被修复）。</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="227" />
        <source>The chosen mask is empty: paint or detect damage first.</source>
        <translation>所选蒙版为空：请先绘制或检测病害。</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="234" />
        <source>The layer %1 chosen as a hint is empty.</source>
        <translation>选作提示的图层 %1 是空的。</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="269" />
        <source>restored (%1)</source>
        <translation>修复结果（%1）</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="271" />
        <source>Inpaint (%1)</source>
        <translation>修复（%1）</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="291" />
        <source>One region to restore was proposed by the detector with low confidence.</source>
        <translation>待修复区域中有 1 个是检测器以低置信度提出的。</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="293" />
        <source>%1 regions to restore were proposed by the detector with low confidence.</source>
        <translation>待修复区域中有 %1 个是检测器以低置信度提出的。</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="296" />
        <source>One region to restore is mostly dark paint, which is more often original linework, hair or robes than loss.</source>
        <translation>待修复区域中有 1 个大部分是深色颜料——这往往是原有的线描、头发或衣袍，而不是脱落。</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="299" />
        <source>%1 regions to restore are mostly dark paint, which is more often original linework, hair or robes than loss.</source>
        <translation>待修复区域中有 %1 个大部分是深色颜料——这往往是原有的线描、头发或衣袍，而不是脱落。</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="301" />
        <source>The first is at x %1, y %2. Restore anyway?</source>
        <translation>第一个位于 x %1，y %2。仍要修复吗？</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="303" />
        <source>Check before restoring</source>
        <translation>修复前请确认</translation>
    </message>
    <message>
        <location filename="../inpaint_dock.py" line="326" />
        <source>done: review the proposal, then Apply or Discard</source>
        <translation>完成：请检查修复提案，然后应用或放弃</translation>
    </message>
</context>
<context>
    <name>JobPanel</name>
    <message>
        <location filename="../job_panel.py" line="21" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../job_panel.py" line="51" />
        <source>%1 elapsed</source>
        <translation>已用 %1</translation>
    </message>
    <message>
        <location filename="../job_panel.py" line="54" />
        <source>, about %1 left</source>
        <translation>，约剩 %1</translation>
    </message>
    <message>
        <location filename="../job_panel.py" line="61" />
        <source>queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <location filename="../job_panel.py" line="80" />
        <source>cancelled: nothing was changed</source>
        <translation>已取消：未做任何更改</translation>
    </message>
    <message>
        <location filename="../job_panel.py" line="82" />
        <source>failed: %1</source>
        <translation>失败：%1</translation>
    </message>
</context>
<context>
    <name>JobsList</name>
    <message>
        <location filename="../jobs_dock.py" line="16" />
        <source>Cancel job</source>
        <translation>取消任务</translation>
    </message>
    <message>
        <location filename="../jobs_dock.py" line="28" />
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <location filename="../jobs_dock.py" line="28" />
        <source>queued</source>
        <translation>排队中</translation>
    </message>
</context>
<context>
    <name>LabelsDock</name>
    <message>
        <location filename="../labels_dock.py" line="64" />
        <source>New label layer</source>
        <translation>新建标注图层</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="66" />
        <source>Add class…</source>
        <translation>添加类别…</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="67" />
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="68" />
        <source>Colour…</source>
        <translation>颜色…</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="69" />
        <source>Label the click region</source>
        <translation>标注点选区域</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="70" />
        <source>Label a mask layer…</source>
        <translation>用蒙版图层标注…</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="71" />
        <source>Export training set…</source>
        <translation>导出训练集…</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="72" />
        <source>Train labeler on a training set…</source>
        <translation>用训练集训练标注模型…</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="135" />
        <source>Make a label layer to label elements by hand, or let the labeler (PSP-M) label the whole mural from the Elements dock.</source>
        <translation>新建标注图层以手工标注要素，或在“元素”面板中用标注模型（PSP-M）标注整幅壁画。</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="145" />
        <source>Select a class, then label the click-segment region or a brushed mask layer with it.</source>
        <translation>选择一个类别，然后用它标注点选分割区域或画笔绘制的蒙版图层。</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="158" />
        <source>elements</source>
        <translation>元素</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="171" />
        <source>Add class</source>
        <translation>添加类别</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="171" />
        <location filename="../labels_dock.py" line="188" />
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="176" />
        <source>A label layer holds at most 255 classes.</source>
        <translation>一个标注图层最多容纳 255 个类别。</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="188" />
        <source>Rename class</source>
        <translation>重命名类别</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="214" />
        <source>Layer '%1' is locked.</source>
        <translation>图层“%1”已锁定。</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="225" />
        <source>Make a region with the Click-segment tool first.</source>
        <translation>请先用点选分割工具生成一个区域。</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="228" />
        <source>Label region as %1</source>
        <translation>将区域标注为 %1</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="240" />
        <source>There is no mask layer to take the region from.</source>
        <translation>没有可取区域的蒙版图层。</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="242" />
        <source>Label a mask layer</source>
        <translation>用蒙版图层标注</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="242" />
        <source>Mask layer:</source>
        <translation>蒙版图层：</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="250" />
        <source>Mask layer '%1' has nothing marked to label.</source>
        <translation>蒙版图层“%1”中没有可标注的内容。</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="254" />
        <location filename="../labels_dock.py" line="255" />
        <source>Label mask as %1</source>
        <translation>将蒙版标注为 %1</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="270" />
        <source>Export training set to</source>
        <translation>将训练集导出到</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="279" />
        <source>Wrote %1 image/label pairs to %2</source>
        <translation>已将 %1 组图像/标注写入 %2</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="292" />
        <source>Training set (images/, labels/)</source>
        <translation>训练集（images/、labels/）</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="298" />
        <source>%1 has no images/ and labels/ folders; use Export training set first.</source>
        <translation>%1 中没有 images/ 和 labels/ 文件夹；请先“导出训练集”。</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="312" />
        <source>Trained %1; it is now the labeler of the Elements dock.</source>
        <translation>已训练 %1；它现在是“元素”面板的标注模型。</translation>
    </message>
    <message>
        <location filename="../labels_dock.py" line="315" />
        <source>Train labeler</source>
        <translation>训练标注模型</translation>
    </message>
</context>
<context>
    <name>LayerPanel</name>
    <message>
        <location filename="../layers_panel.py" line="94" />
        <source>mask</source>
        <translation>蒙版</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="94" />
        <source>labels</source>
        <translation>标注</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="95" />
        <source>restoration</source>
        <translation>修复</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="95" />
        <source>proposal</source>
        <translation>提案</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="96" />
        <source>note</source>
        <translation>注释</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="96" />
        <source>probability map</source>
        <translation>概率图</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="107" />
        <source>New</source>
        <translation>新建</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="107" />
        <source>New empty mask layer</source>
        <translation>新建空白蒙版图层</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="108" />
        <source>Duplicate</source>
        <translation>复制</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="108" />
        <source>Duplicate the layer</source>
        <translation>复制图层</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="109" />
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="109" />
        <source>Delete the layer</source>
        <translation>删除图层</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="110" />
        <location filename="../layers_panel.py" line="181" />
        <source>Lock</source>
        <translation>锁定</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="110" />
        <source>Lock or unlock the layer</source>
        <translation>锁定或解锁图层</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="111" />
        <source>Up</source>
        <translation>上移</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="111" />
        <source>Move the layer up</source>
        <translation>上移图层</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="112" />
        <source>Down</source>
        <translation>下移</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="112" />
        <source>Move the layer down</source>
        <translation>下移图层</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="113" />
        <source>Merge down</source>
        <translation>向下合并</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="113" />
        <source>Merge this mask into the mask below</source>
        <translation>将此蒙版合并到下方的蒙版</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="119" />
        <source>Opacity</source>
        <translation>不透明度</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="128" />
        <source>damage</source>
        <translation>病害</translation>
    </message>
    <message>
        <location filename="../layers_panel.py" line="181" />
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../main_window.py" line="157" />
        <source>Navigator</source>
        <extracomment>Images with a longer side than this get their pyramid built in the background on opening. tiles a snapped brush stroke keeps of what it painted over, to restore before repainting it the open dialog's filter, from the one list of suffixes the image reader knows</extracomment>
        <translation>导航器</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="159" />
        <source>Layers</source>
        <translation>图层</translation>
    </message>
    <message>
        <location filename="../dock_registry.py" line="70" />
        <source>Inpaint</source>
        <translation>修复</translation>
    </message>
    <message>
        <location filename="../dock_registry.py" line="71" />
        <source>Detect</source>
        <translation>检测</translation>
    </message>
    <message>
        <location filename="../dock_registry.py" line="72" />
        <source>Labels</source>
        <translation>标注</translation>
    </message>
    <message>
        <location filename="../dock_registry.py" line="73" />
        <source>Elements</source>
        <translation>元素</translation>
    </message>
    <message>
        <location filename="../dock_registry.py" line="74" />
        <source>History</source>
        <translation>历史记录</translation>
    </message>
    <message>
        <location filename="../dock_registry.py" line="75" />
        <source>Jobs</source>
        <translation>任务</translation>
    </message>
    <message>
        <location filename="../dock_registry.py" line="76" />
        <source>Measurements</source>
        <translation>测量</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="198" />
        <source>Part of the image cannot be read (the file is damaged or incomplete): %1</source>
        <translation>图像的一部分无法读取（文件已损坏或不完整）：%1</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="240" />
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="241" />
        <source>&amp;Open…</source>
        <translation>打开…(&amp;O)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="242" />
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="244" />
        <source>Open &amp;Demo Mural</source>
        <translation>打开示例壁画(&amp;D)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="245" />
        <source>&amp;Save Project</source>
        <translation>保存项目(&amp;S)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="246" />
        <source>Save Project &amp;As…</source>
        <translation>项目另存为…(&amp;A)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="247" />
        <source>&amp;Export Restored Image…</source>
        <translation>导出修复图像…(&amp;E)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="249" />
        <source>Export Damage Map and Labels as &amp;GeoJSON…</source>
        <translation>将病害图和标注导出为 GeoJSON(&amp;G)…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="250" />
        <source>&amp;Import GeoJSON as a Mask Layer…</source>
        <translation>导入 GeoJSON 为蒙版图层(&amp;I)…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="251" />
        <source>Export Condition &amp;Report…</source>
        <translation>导出病害与修复报告(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="253" />
        <source>Document &amp;Properties…</source>
        <translation>文档属性(&amp;P)…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="254" />
        <source>Set Scale from a &amp;Line…</source>
        <translation>按直线设定比例(&amp;L)…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="256" />
        <source>Se&amp;ttings…</source>
        <translation>设置…(&amp;T)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="257" />
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="258" />
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="259" />
        <location filename="../main_window.py" line="687" />
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="260" />
        <location filename="../main_window.py" line="689" />
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="261" />
        <source>New &amp;Mask Layer</source>
        <translation>新建蒙版图层(&amp;M)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="262" />
        <source>&amp;Mask</source>
        <translation>蒙版(&amp;M)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="263" />
        <source>&amp;Grow…</source>
        <translation>扩展…(&amp;G)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="264" />
        <source>Grow</source>
        <translation>扩展</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="264" />
        <source>Grow by (pixels):</source>
        <translation>扩展量（像素）：</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="265" />
        <source>&amp;Shrink…</source>
        <translation>收缩…(&amp;S)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="266" />
        <source>Shrink</source>
        <translation>收缩</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="266" />
        <source>Shrink by (pixels):</source>
        <translation>收缩量（像素）：</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="267" />
        <source>&amp;Feather…</source>
        <translation>羽化…(&amp;F)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="268" />
        <source>Feather</source>
        <translation>羽化</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="268" />
        <source>Feather radius (pixels):</source>
        <translation>羽化半径（像素）：</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="269" />
        <source>&amp;Invert</source>
        <translation>反选(&amp;I)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="269" />
        <source>Invert</source>
        <translation>反选</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="271" />
        <source>Fill &amp;Holes</source>
        <translation>填充孔洞(&amp;H)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="272" />
        <source>Fill holes</source>
        <translation>填充孔洞</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="273" />
        <source>&amp;Remove Specks…</source>
        <translation>去除斑点…(&amp;R)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="274" />
        <source>Remove specks</source>
        <translation>去除斑点</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="274" />
        <source>Smallest region to keep (pixels):</source>
        <translation>保留的最小区域（像素）：</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="276" />
        <source>&amp;Union with…</source>
        <translation>与…合并(&amp;U)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="276" />
        <source>Union</source>
        <translation>合并</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="277" />
        <source>I&amp;ntersect with…</source>
        <translation>与…相交(&amp;N)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="278" />
        <source>Intersect</source>
        <translation>相交</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="279" />
        <source>Su&amp;btract…</source>
        <translation>减去…(&amp;B)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="280" />
        <source>Subtract</source>
        <translation>减去</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="281" />
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="282" />
        <source>Zoom &amp;In</source>
        <translation>放大(&amp;I)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="283" />
        <source>Zoom &amp;Out</source>
        <translation>缩小(&amp;O)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="284" />
        <source>&amp;Fit to Window</source>
        <translation>适合窗口(&amp;F)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="285" />
        <source>&amp;Actual Size (100 %)</source>
        <translation>实际大小 (100 %)(&amp;A)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="286" />
        <source>&amp;Compare (hold \ to see the original)</source>
        <translation>对比（按住 \ 查看原图）(&amp;C)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="289" />
        <source>&amp;Off</source>
        <translation>关闭(&amp;O)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="289" />
        <source>&amp;Split view</source>
        <translation>分割视图(&amp;S)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="290" />
        <source>Side &amp;by side</source>
        <translation>并排对比(&amp;B)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="291" />
        <source>&amp;Difference</source>
        <translation>差异(&amp;D)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="297" />
        <source>Show the &amp;Original (toggle)</source>
        <translation>显示原图（切换）(&amp;O)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="300" />
        <source>&amp;Restore</source>
        <translation>修复(&amp;R)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="301" />
        <source>&amp;Detect Damage</source>
        <translation>检测病害(&amp;D)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="303" />
        <source>&amp;Restore the Damage Mask</source>
        <translation>修复病害蒙版(&amp;R)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="306" />
        <source>Restore the &amp;Committed Region</source>
        <translation>修复已提交的区域(&amp;C)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="309" />
        <source>&amp;Apply the Proposal</source>
        <translation>应用建议(&amp;A)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="311" />
        <source>D&amp;iscard the Proposal</source>
        <translation>放弃建议(&amp;I)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="313" />
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="314" />
        <source>&amp;Keyboard Shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="315" />
        <source>&amp;User Guide</source>
        <translation>用户指南(&amp;U)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="316" />
        <source>&amp;About MuralStudio</source>
        <translation>关于 MuralStudio(&amp;A)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="352" />
        <source>Tools</source>
        <translation>工具</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="357" />
        <source>Navigate</source>
        <translation>浏览</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="357" />
        <source>Brush</source>
        <translation>画笔</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="358" />
        <source>Click segment</source>
        <translation>点选分割</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="359" />
        <source>Eraser</source>
        <translation>橡皮擦</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="359" />
        <source>Polygon fill</source>
        <translation>多边形填充</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="360" />
        <source>Review detections</source>
        <translation>审核检测结果</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="370" />
        <source>Click segment (C): left click = part of the region, right or Alt+click = not part; Backspace removes the last click, Enter adds the region to the mask layer, Shift+Enter subtracts it, Esc discards</source>
        <translation>点选分割 (C)：左键 = 属于区域，右键或 Alt+单击 = 不属于；Backspace 撤回上一次点击，Enter 将区域加入蒙版图层，Shift+Enter 从中减去，Esc 放弃</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="374" />
        <source>Review detections (V): left click accepts a proposed region into the damage mask, right click rejects it; drag a lasso round several to accept (left button) or reject (right button) them all; the status bar shows the detector's confidence under the cursor</source>
        <translation>审核检测结果（V）：左键单击把建议区域接受进病害蒙版，右键单击拒绝；拖出套索圈住多个区域可一并接受（左键）或拒绝（右键）；状态栏显示光标处检测器的置信度</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="381" />
        <source>Engine of the click-segment tool</source>
        <translation>点选分割工具使用的引擎</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="386" />
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="395" />
        <source>Hardness</source>
        <translation>硬度</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="401" />
        <source>Snap to line</source>
        <translation>吸附到线</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="404" />
        <source>Brush strokes slide onto the thin crack or scratch they follow when released (up to the brush size, at least 4 px): trace a crack roughly, it lands on the crack</source>
        <translation>松开鼠标时，笔画会吸附到它所沿的细裂缝或划痕上（最多为笔刷大小，至少 4 像素）：大致描一条裂缝，笔画即落在裂缝上</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="416" />
        <location filename="../main_window.py" line="842" />
        <source>damage</source>
        <translation>病害</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="419" />
        <source>Click segment: preparing the image…</source>
        <translation>点选分割：正在准备图像…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="420" />
        <source>Click segment: computing the region…</source>
        <translation>点选分割：正在计算区域…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="421" />
        <source>Click segment: Enter adds, Shift+Enter subtracts, Esc discards</source>
        <translation>点选分割：Enter 加入，Shift+Enter 减去，Esc 放弃</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="446" />
        <source>To paint '%1', choose it and a class in the Labels dock.</source>
        <translation>要绘制“%1”，请在“标签”面板中选择它和一个类别。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="457" />
        <source>Paint '%1'</source>
        <translation>绘制“%1”</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="464" />
        <location filename="../main_window.py" line="523" />
        <source>Layer '%1' is locked.</source>
        <translation>图层“%1”已锁定。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="467" />
        <source>Erase</source>
        <translation>擦除</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="467" />
        <source>Brush stroke</source>
        <translation>画笔笔触</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="558" />
        <source>There is no other mask layer to combine with.</source>
        <translation>没有可以组合的其他蒙版图层。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="560" />
        <source>With layer:</source>
        <translation>与图层：</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="604" />
        <source>Building overview</source>
        <translation>正在生成概览</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="653" />
        <source>restored</source>
        <translation>修复后</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="654" />
        <source>original</source>
        <translation>原图</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="686" />
        <source>&amp;Undo %1</source>
        <translation>撤销 %1(&amp;U)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="688" />
        <source>&amp;Redo %1</source>
        <translation>重做 %1(&amp;R)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="709" />
        <source>x %1  y %2  value %3  (%4-bit)</source>
        <translation>x %1  y %2  值 %3（%4 位）</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="715" />
        <source>(%1 cm, %2 cm)</source>
        <translation>（%1 厘米，%2 厘米）</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="747" />
        <source>Commit a click-segment region first (C, clicks, Enter).</source>
        <translation>请先提交一个点选分割区域（C，点击，Enter）。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="759" />
        <source>Showing the original</source>
        <translation>正在显示原图</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="760" />
        <source>Showing the restored image</source>
        <translation>正在显示修复后的图像</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="770" />
        <source>Space + drag, middle drag</source>
        <translation>空格 + 拖动，中键拖动</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="770" />
        <source>Pan</source>
        <translation>平移</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="771" />
        <source>Wheel</source>
        <translation>滚轮</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="771" />
        <source>Zoom</source>
        <translation>缩放</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="772" />
        <source>hold \</source>
        <translation>按住 \</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="772" />
        <source>See the original while held</source>
        <translation>按住时查看原图</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="773" />
        <source>Click segment: left / right click</source>
        <translation>点选分割：左键 / 右键单击</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="773" />
        <source>Add a positive / negative click</source>
        <translation>添加正 / 负点击</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="774" />
        <source>Click segment: Backspace</source>
        <translation>点选分割：Backspace</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="774" />
        <source>Remove the last click</source>
        <translation>删除最后一次点击</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="775" />
        <source>Click segment: Enter / Shift+Enter</source>
        <translation>点选分割：Enter / Shift+Enter</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="775" />
        <source>Add / subtract the region</source>
        <translation>添加 / 减去该区域</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="776" />
        <source>Click segment: Esc</source>
        <translation>点选分割：Esc</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="776" />
        <source>Discard the clicks</source>
        <translation>放弃这些点击</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="777" />
        <source>Review: left / right click</source>
        <translation>审核：左键 / 右键单击</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="777" />
        <source>Accept / reject a proposed region</source>
        <translation>接受 / 拒绝建议区域</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="778" />
        <source>Review: left / right drag</source>
        <translation>审核：左键 / 右键拖动</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="778" />
        <source>Lasso: accept / reject every proposed region in it</source>
        <translation>套索：接受 / 拒绝其中的全部建议区域</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="779" />
        <source>Review: period / comma</source>
        <translation>审核：句号 / 逗号</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="779" />
        <source>Zoom to the next / previous proposed region</source>
        <translation>缩放到下一个 / 上一个建议区域</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="780" />
        <source>Review: Enter / Backspace</source>
        <translation>审核：Enter / Backspace</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="780" />
        <source>Accept / reject the region shown, go on to the next</source>
        <translation>接受 / 拒绝当前显示的区域，并转到下一个</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="781" />
        <source>Polygon: double click or Enter</source>
        <translation>多边形：双击或 Enter</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="781" />
        <source>Close and fill the polygon</source>
        <translation>闭合并填充多边形</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="786" />
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="788" />
        <source>Keys</source>
        <translation>按键</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="788" />
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="822" />
        <source>The user guide is not installed with this copy.</source>
        <translation>此副本未安装用户指南。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="829" />
        <source>About MuralStudio</source>
        <translation>关于 MuralStudio</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="830" />
        <source>MuralStudio %1 — a restoration workstation for photographs of ancient murals: damage masks from clicks and brushes, detection reviewed region by region, inpainting at native resolution that never alters pixels outside the mask and records every restoration, element labeling.</source>
        <translation>MuralStudio %1 — 古代壁画照片的修复工作站：用点选和画笔制作病害蒙版，逐区域审核检测结果，以原始分辨率修复且绝不改动蒙版外的像素并记录每一次修复，以及元素标注。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="853" />
        <source>Locate the source image of %1</source>
        <translation>查找 %1 的源图像</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="880" />
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="907" />
        <source>Open image or project</source>
        <translation>打开图像或项目</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="917" />
        <source>Save project</source>
        <translation>保存项目</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="918" />
        <source>MuralStudio projects (*.mural)</source>
        <translation>MuralStudio 项目 (*.mural)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="929" />
        <location filename="../main_window.py" line="935" />
        <source>Could not save the project: %1</source>
        <translation>无法保存项目：%1</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="931" />
        <source>Saving %1…</source>
        <translation>正在保存 %1…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="941" />
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="950" />
        <location filename="../main_window.py" line="965" />
        <location filename="../main_window.py" line="1015" />
        <location filename="../main_window.py" line="1041" />
        <source>Could not export: %1</source>
        <translation>无法导出：%1</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="956" />
        <source>Exporting %1…</source>
        <translation>正在导出 %1…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="968" />
        <location filename="../main_window.py" line="1017" />
        <location filename="../main_window.py" line="1043" />
        <source>Exported %1</source>
        <translation>已导出 %1</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="997" />
        <source>Set scale: click both ends of a ruler or another known length</source>
        <translation>设定比例：点击标尺或其他已知长度物体的两端</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="1004" />
        <source>Export GeoJSON</source>
        <translation>导出 GeoJSON</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="1025" />
        <source>Import GeoJSON</source>
        <translation>导入 GeoJSON</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="1088" />
        <source>Recovery copy saved</source>
        <translation>已保存恢复副本</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="1096" />
        <source>Unsaved changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="1097" />
        <source>Save the changes to %1?</source>
        <translation>是否保存对 %1 的更改？</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="1112" />
        <source>Finishing %1 before closing…</source>
        <translation>正在完成 %1，然后关闭…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="1135" />
        <source>Recover unsaved work</source>
        <translation>恢复未保存的工作</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="1136" />
        <source>MuralStudio did not close normally. Recover the unsaved changes to %1?</source>
        <translation>MuralStudio 上次未正常关闭。是否恢复 %1 未保存的更改？</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="1162" />
        <source>MuralStudio</source>
        <translation>MuralStudio 壁画修复工作站</translation>
    </message>
</context>
<context>
    <name>MeasurementsDock</name>
    <message>
        <location filename="../documentation.py" line="117" />
        <source>Measurements</source>
        <translation>测量</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="127" />
        <source>Layer</source>
        <translation>图层</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="127" />
        <location filename="../documentation.py" line="133" />
        <source>What</source>
        <translation>内容</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="127" />
        <location filename="../documentation.py" line="133" />
        <source>Pixels</source>
        <translation>像素</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="127" />
        <source>Share</source>
        <translation>占比</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="128" />
        <source>Largest (px)</source>
        <translation>最大区域（像素）</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="128" />
        <location filename="../documentation.py" line="134" />
        <source>Area (cm²)</source>
        <translation>面积（平方厘米）</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="128" />
        <source>Regions (all sizes)</source>
        <translation>区域数（不限大小）</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="131" />
        <source>Elements (largest first)</source>
        <translation>要素（按大小排列）</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="133" />
        <source>Element</source>
        <translation>要素</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="134" />
        <source>Box (x, y, w, h)</source>
        <translation>范围 (x, y, 宽, 高)</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="139" />
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="139" />
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="140" />
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="247" />
        <source>No physical scale: use File → Set Scale from a Line… (areas in cm² need one).</source>
        <translation>没有物理比例：请使用“文件 → 按直线设定比例…”（以平方厘米计的面积需要比例）。</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="249" />
        <source>set by you</source>
        <translation>由您设定</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="249" />
        <source>from the file's resolution</source>
        <translation>取自文件分辨率</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="250" />
        <source>Scale: %1 mm per pixel (%2)</source>
        <translation>比例：每像素 %1 毫米（%2）</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="254" />
        <source>damage</source>
        <translation>病害</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="290" />
        <source>Export Measurements</source>
        <translation>导出测量结果</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="292" />
        <source>Excel workbook (*.xlsx);;CSV (*.csv)</source>
        <translation>Excel 工作簿 (*.xlsx);;CSV (*.csv)</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="304" />
        <source>Could not export: %1</source>
        <translation>无法导出：%1</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="306" />
        <source>Exported %1</source>
        <translation>已导出 %1</translation>
    </message>
</context>
<context>
    <name>PropertiesDialog</name>
    <message>
        <location filename="../documentation.py" line="63" />
        <source>Document Properties</source>
        <translation>文档属性</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="64" />
        <source>Site</source>
        <translation>地点</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="64" />
        <source>Cave</source>
        <translation>洞窟</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="64" />
        <source>Wall</source>
        <translation>壁面</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="65" />
        <source>Subject</source>
        <translation>题材</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="65" />
        <source>Photographer</source>
        <translation>摄影</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="66" />
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="66" />
        <source>Notes</source>
        <translation>备注</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../settings.py" line="84" />
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../settings.py" line="86" />
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../settings.py" line="88" />
        <source>CUDA GPU</source>
        <translation>CUDA GPU</translation>
    </message>
    <message>
        <location filename="../settings.py" line="103" />
        <source>This computer</source>
        <translation>本机</translation>
    </message>
    <message>
        <location filename="../settings.py" line="104" />
        <source>Dask scheduler at</source>
        <translation>Dask 调度器</translation>
    </message>
    <message>
        <location filename="../settings.py" line="111" />
        <source>Compute</source>
        <translation>计算位置</translation>
    </message>
    <message>
        <location filename="../settings.py" line="112" />
        <source>Scheduler address</source>
        <translation>调度器地址</translation>
    </message>
    <message>
        <location filename="../settings.py" line="113" />
        <source>Compute device</source>
        <translation>计算设备</translation>
    </message>
    <message>
        <location filename="../settings.py" line="114" />
        <source>CPU threads</source>
        <translation>CPU 线程数</translation>
    </message>
    <message>
        <location filename="../settings.py" line="115" />
        <source>Processing tile size</source>
        <translation>处理分块大小</translation>
    </message>
    <message>
        <location filename="../settings.py" line="116" />
        <source>Undo history memory</source>
        <translation>撤销历史内存</translation>
    </message>
    <message>
        <location filename="../settings.py" line="117" />
        <source>Tile cache memory</source>
        <translation>图块缓存内存</translation>
    </message>
    <message>
        <location filename="../settings.py" line="118" />
        <source>Largest image to open whole</source>
        <translation>整体打开的最大图像</translation>
    </message>
    <message>
        <location filename="../settings.py" line="119" />
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../settings.py" line="120" />
        <source>A new language applies after a restart.</source>
        <translation>新的语言将在重启后生效。</translation>
    </message>
</context>
<context>
    <name>parent</name>
    <message>
        <location filename="../documentation.py" line="85" />
        <source>Set Scale</source>
        <translation>设定比例</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="86" />
        <source>The line is %1 px long. Its real length in cm:</source>
        <translation>该直线长 %1 像素。其实际长度（厘米）：</translation>
    </message>
</context>
<context>
    <name>self.canvas</name>
    <message>
        <location filename="../canvas.py" line="114" />
        <source>building overview…</source>
        <translation>正在生成概览…</translation>
    </message>
</context>
<context>
    <name>window</name>
    <message>
        <location filename="../documentation.py" line="95" />
        <source>Draw a longer line over something of known length (a ruler, a colour chart).</source>
        <translation>请在已知长度的物体（标尺、色卡）上画一条更长的直线。</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="103" />
        <source>Scale: %1 mm per pixel</source>
        <translation>比例：每像素 %1 毫米</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="332" />
        <source>Export Report</source>
        <translation>导出报告</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="333" />
        <source>PDF (*.pdf);;HTML (*.html)</source>
        <translation>PDF (*.pdf);;HTML (*.html)</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="351" />
        <source>Could not export: %1</source>
        <translation>无法导出：%1</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="353" />
        <source>Exported %1</source>
        <translation>已导出 %1</translation>
    </message>
    <message>
        <location filename="../documentation.py" line="355" />
        <source>Report</source>
        <translation>报告</translation>
    </message>
</context>
<context><name>Message</name><message><source>file_not_found</source><comment>file not found</comment><translation>找不到文件</translation></message><message><source>is_folder</source><comment>is a folder, not an image file</comment><translation>是文件夹，不是图像文件</translation></message><message><source>permission_denied</source><comment>permission denied</comment><translation>没有访问权限</translation></message><message><source>file_empty</source><comment>file is empty (0 bytes)</comment><translation>文件为空（0 字节）</translation></message><message><source>image_empty</source><comment>image is empty ({width}×{height} pixels)</comment><translation>图像为空（{width}×{height} 像素）</translation></message><message><source>png_header_damaged</source><comment>PNG header (IHDR) is missing or damaged</comment><translation>PNG 文件头 (IHDR) 缺失或损坏</translation></message><message><source>mode_unsupported</source><comment>image mode {mode!r} is not supported</comment><translation>不支持图像模式 {mode!r}</translation></message><message><source>png16_undecodable</source><comment>16-bit PNG data could not be decoded (truncated?)</comment><translation>无法解码 16 位 PNG 数据（文件被截断？）</translation></message><message><source>tiff_directory_cut_off</source><comment>the file ends at byte {size:,} before its image directory at byte {offset:,} (a truncated copy or download)</comment><translation>文件在第 {size:,} 字节处结束，早于其位于第 {offset:,} 字节的图像目录（副本或下载不完整）</translation></message><message><source>tiff_no_directory</source><comment>the TIFF holds no readable image directory (damaged)</comment><translation>该 TIFF 没有可读的图像目录（已损坏）</translation></message><message><source>header_unreadable</source><comment>cannot read the {format} header ({reason})</comment><translation>无法读取 {format} 文件头（{reason}）</translation></message><message><source>decoded_size_mismatch</source><comment>decoded size does not match the header</comment><translation>解码尺寸与文件头不符</translation></message><message><source>region_undecodable</source><comment>cannot decode region ({reason})</comment><translation>无法解码该区域（{reason}）</translation></message><message><source>wrong_signature</source><comment>does not start like a {format} file (damaged or not an image)</comment><translation>文件开头不像 {format} 文件（已损坏或不是图像）</translation></message><message><source>unknown_file_type</source><comment>unknown file type; MuralStudio reads TIFF, PNG, JPEG, BMP and WebP</comment><translation>未知文件类型；MuralStudio 可读取 TIFF、PNG、JPEG、BMP 和 WebP</translation></message><message><source>image_too_large</source><comment>image has {pixels:,} pixels, more than the limit of {limit:,}; raise it with --max-pixels N (command line) or the MURALSTUDIO_MAX_PIXELS environment variable</comment><translation>图像有 {pixels:,} 像素，超过上限 {limit:,}；可用 --max-pixels N（命令行）或环境变量 MURALSTUDIO_MAX_PIXELS 提高上限</translation></message><message><source>original_protected</source><comment>this is an original image opened as a source; MuralStudio never writes to originals, choose another name</comment><translation>这是作为原图打开的原始图像；MuralStudio 从不写入原图，请换一个文件名</translation></message><message><source>project_no_name</source><comment>no file name given for the project</comment><translation>未给出项目文件名</translation></message><message><source>project_damaged</source><comment>not a MuralStudio project or damaged ({reason})</comment><translation>不是 MuralStudio 项目或已损坏（{reason}）</translation></message><message><source>project_is_image</source><comment>an image, not a MuralStudio project (.mural): open it in the window and save a project, or give the image to a command that takes images (detect, label, inpaint)</comment><translation>这是图像，不是 MuralStudio 项目（.mural）：请在窗口中打开并保存为项目，或将图像交给处理图像的命令（detect、label、inpaint）</translation></message><message><source>project_no_manifest</source><comment>damaged project: manifest.json is missing</comment><translation>项目已损坏：缺少 manifest.json</translation></message><message><source>project_empty</source><comment>the project file is empty (0 bytes)</comment><translation>项目文件为空（0 字节）</translation></message><message><source>project_not_zip</source><comment>not a MuralStudio project: a project is a zip archive, this {size:,}-byte file is not one (damaged, cut short, or another kind of file)</comment><translation>不是 MuralStudio 项目：项目是 zip 压缩包，这个 {size:,} 字节的文件不是（已损坏、被截断或是其他类型的文件）</translation></message><message><source>project_unknown_format</source><comment>not a MuralStudio project (unknown format)</comment><translation>不是 MuralStudio 项目（未知格式）</translation></message><message><source>source_missing</source><comment>source image {path} was not found; locate it to continue</comment><translation>找不到原图 {path}；请指定其位置以继续</translation></message><message><source>source_changed</source><comment>the file changed on disk after it was opened (another program wrote it); its pixels are no longer the ones shown, so nothing more is read from it: save your work as a project, then reopen the image</comment><translation>该文件在打开后已在磁盘上被改动（另一个程序写入了它）；其像素已不是所显示的像素，因此不再从中读取：请先把工作保存为项目，再重新打开该图像</translation></message><message><source>source_mismatch</source><comment>{path} is not this project's source image (SHA-256 {found}, expected {expected})</comment><translation>{path} 不是本项目的原图（SHA-256 {found}，应为 {expected}）</translation></message><message><source>weights_not_found</source><comment>weights file not found (see models/README.md for how to train or import weights)</comment><translation>找不到权重文件（训练或导入权重的方法见 models/README.md）</translation></message><message><source>checkpoint_not_found</source><comment>checkpoint file not found</comment><translation>找不到检查点文件</translation></message><message><source>weights_missing_train</source><comment>the {model}'s weights are not installed; train them with 'muralstudio train {command}' (see models/README.md)</comment><translation>未安装 {model} 的权重；请用 'muralstudio train {command}' 训练（见 models/README.md）</translation></message><message><source>weights_missing_import</source><comment>the {model}'s weights are not installed; reinstall MuralStudio (they ship in models/), train them with 'muralstudio train {command}' or import the official checkpoint with 'muralstudio models import CHECKPOINT --as {engine}' (see models/README.md)</comment><translation>未安装 {model} 的权重；请重新安装 MuralStudio（权重随 models/ 提供）、用 'muralstudio train {command}' 训练，或用 'muralstudio models import CHECKPOINT --as {engine}' 导入官方检查点（见 models/README.md）</translation></message><message><source>checkpoint_mismatch</source><comment>checkpoint does not fit the network — {details}</comment><translation>检查点与网络不匹配 — {details}</translation></message><message><source>cuda_unavailable</source><comment>CUDA was requested but this torch build or machine has no CUDA device; use --device cpu</comment><translation>请求使用 CUDA，但当前 torch 版本或机器没有 CUDA 设备；请使用 --device cpu</translation></message><message><source>server_unreachable</source><comment>the compute server {address} cannot be reached ({reason}); the job did not run. Choose 'This computer' in Settings → Compute to work locally.</comment><translation>无法连接计算服务器 {address}（{reason}）；任务未运行。可在“设置 → 计算位置”中选择“本机”在本地处理。</translation></message><message><source>server_lost</source><comment>the compute server {address} lost the job ({reason}): it restarted or its worker stopped; run the job again, or choose 'This computer' in Settings → Compute.</comment><translation>计算服务器 {address} 丢失了该任务（{reason}）：服务器已重启或其工作进程已停止；请重新运行该任务，或在“设置 → 计算位置”中选择“本机”。</translation></message><message><source>server_unreachable_cli</source><comment>the compute server {address} cannot be reached ({reason}); the job did not run. Leave out --server to work on this computer.</comment><translation>无法连接计算服务器 {address}（{reason}）；任务未运行。去掉 --server 即可在本机处理。</translation></message><message><source>server_no_worker</source><comment>the compute server {address} has no worker to run the job; start one there ('dask worker {address} --preload muralstudio.ops.remote'), or work on this computer</comment><translation>计算服务器 {address} 没有可运行任务的 worker；请在服务器上启动一个（'dask worker {address} --preload muralstudio.ops.remote'），或在本机运行</translation></message><message><source>server_lost_cli</source><comment>the compute server {address} lost the job ({reason}): it restarted or its worker stopped; run the command again, or leave out --server to work on this computer.</comment><translation>计算服务器 {address} 丢失了该任务（{reason}）：服务器已重启或其工作进程已停止；请重新运行该命令，或去掉 --server 在本机处理。</translation></message><message><source>cancelled</source><comment>cancelled</comment><translation>已取消</translation></message><message><source>detection_cancelled</source><comment>detection cancelled</comment><translation>检测已取消</translation></message><message><source>labeling_cancelled</source><comment>labeling cancelled</comment><translation>标注已取消</translation></message><message><source>training_cancelled</source><comment>training cancelled</comment><translation>训练已取消</translation></message><message><source>stage_done</source><comment>done</comment><translation>完成</translation></message><message><source>stage_hashing_source</source><comment>hashing the source</comment><translation>正在计算原图校验值</translation></message><message><source>stage_loading_model</source><comment>loading the model</comment><translation>正在加载模型</translation></message><message><source>stage_preparing</source><comment>preparing</comment><translation>正在准备</translation></message><message><source>stage_predicting</source><comment>predicting</comment><translation>正在预测</translation></message><message><source>stage_detecting_window</source><comment>detecting: window {index} of {total}</comment><translation>检测中：第 {index} / {total} 个窗口</translation></message><message><source>stage_labeling_window</source><comment>labeling: window {index} of {total}</comment><translation>标注中：第 {index} / {total} 个窗口</translation></message><message><source>stage_labeling_image</source><comment>labeling: image {index} of {total}</comment><translation>标注中：第 {index} / {total} 幅图像</translation></message><message><source>stage_training_step</source><comment>training: step {index} of {total}</comment><translation>训练中：第 {index} / {total} 步</translation></message><message><source>stage_pyramid_level</source><comment>pyramid level {level}/{last}</comment><translation>金字塔层级 {level}/{last}</translation></message><message><source>stage_pyramid_level_ready</source><comment>pyramid level {level}/{last} ready</comment><translation>金字塔层级 {level}/{last} 完成</translation></message><message><source>stage_region</source><comment>region {index}/{total}</comment><translation>区域 {index}/{total}</translation></message></context></TS>