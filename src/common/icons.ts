import { LabIcon } from '@jupyterlab/ui-components';

import traceSvg from '../../style/icons/trace.svg';

export const traceIcon = new LabIcon({
  name: 'groundtrace:trace',
  svgstr: traceSvg
});
